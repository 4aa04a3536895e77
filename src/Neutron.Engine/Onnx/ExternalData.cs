// Reads ONNX external data without trusting the model: the location must be a relative path without '..' or NUL,
// it is resolved component by component with every symbolic link followed (realpath semantics) and must end at a
// regular file inside the real path of the model's folder. On Linux the file is opened non-blocking (a FIFO swapped
// in after the check cannot hang the load) and the opened handle is checked again (regular file, real path inside
// the folder) before a byte is read. Errors name the location as written and never describe the target (no size).
// Not a sandbox for the rest of the process: only the loader's reads go through here.
using System.Runtime.InteropServices;
using System.Runtime.Versioning;
using Microsoft.Win32.SafeHandles;

namespace Neutron.Engine.Onnx;

internal static partial class ExternalData
{
    private const int MaxLinks = 40;

    /// <summary>Bytes [offset, offset + length) of the external file; length &lt; 0 means to the end.</summary>
    public static byte[] Read(string modelFolder, string location, long offset, long length, string what)
    {
        string shown = Printable(location);
        ModelException Refuse(string why) =>
            new(ModelErrorCode.ExternalData, $"{what}: external data '{shown}' {why}");

        if (location.Length == 0) throw Refuse("is an empty path; refused");
        if (location.Contains('\0')) throw Refuse("contains a NUL character; refused");
        if (location[0] is '/' or '\\' || Path.IsPathRooted(location))
            throw Refuse("is an absolute path; external data must lie inside the model's folder; refused");
        if (location.Split('/', '\\').Any(p => p == ".."))
            throw Refuse("uses '..', which could lead outside the model's folder; refused");
        if (offset < 0 || length < -1)
            throw Refuse($"has a negative offset {offset} or length {length}");

        string folder, target;
        try
        {
            folder = RealPath(Path.GetFullPath(modelFolder));
            target = RealPath(Path.Combine(folder, location));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Refuse("cannot be resolved (a symbolic link loop or an unreadable folder); refused");
        }
        if (!Inside(folder, target))
            throw Refuse("resolves (through a symbolic link) outside the model's folder; refused");
        if (Directory.Exists(target)) throw Refuse("is a directory, not a file; refused");
        if (!File.Exists(target)) throw Refuse("is not found beside the model");

        using var handle = OperatingSystem.IsLinux() ? OpenLinux(target, folder, Refuse) : OpenPortable(target);
        long size = RandomAccess.GetLength(handle);
        long want = length < 0 ? size - offset : length;
        if (offset > size || want > size - offset)
            throw Refuse($"is shorter than offset {offset} plus the {(length < 0 ? "rest" : $"{length} bytes")} the tensor asks for");
        if (want > Array.MaxLength)
            throw Refuse($"asks for {want} bytes, more than one tensor may hold");
        var bytes = new byte[want];
        int done = 0;
        while (done < bytes.Length)
        {
            int n = RandomAccess.Read(handle, bytes.AsSpan(done), offset + done);
            if (n <= 0) throw Refuse("changed while it was read");
            done += n;
        }
        return bytes;
    }

    private static bool Inside(string folder, string path)
    {
        string prefix = folder.EndsWith('/') ? folder : folder + "/";
        return path.StartsWith(prefix, StringComparison.Ordinal) && path.Length > prefix.Length;
    }

    /// <summary>The location as a one-line string: control characters escaped.</summary>
    private static string Printable(string s)
    {
        var sb = new System.Text.StringBuilder(Math.Min(s.Length, 200));
        foreach (char c in s.Length > 200 ? s[..200] + "…" : s)
            sb.Append(char.IsControl(c) ? $"\\x{(int)c:x2}" : c);
        return sb.ToString();
    }

    /// <summary>realpath(3) of an absolute path: every symbolic link, in every component, followed.</summary>
    internal static string RealPath(string absolute)
    {
        if (!Path.IsPathRooted(absolute)) throw new ArgumentException($"'{absolute}' is not absolute", nameof(absolute));
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS() && !OperatingSystem.IsFreeBSD())
        {
            // Elsewhere: follow the final link chain only (the checks that follow still apply).
            var info = new FileInfo(absolute);
            return info.LinkTarget is null ? Path.GetFullPath(absolute) : info.ResolveLinkTarget(true)?.FullName ?? absolute;
        }
        var pending = new Stack<string>();
        void Push(string path)
        {
            var parts = path.Split('/', StringSplitOptions.RemoveEmptyEntries);
            for (int i = parts.Length - 1; i >= 0; i--) pending.Push(parts[i]);
        }
        Push(absolute);
        string current = "/";
        int links = 0;
        while (pending.Count > 0)
        {
            string part = pending.Pop();
            if (part == ".") continue;
            if (part == "..")
            {
                current = Path.GetDirectoryName(current) ?? "/";
                continue;
            }
            string next = current == "/" ? "/" + part : current + "/" + part;
            string? link = new FileInfo(next).LinkTarget;
            if (link is null)
            {
                current = next;
                continue;
            }
            if (++links > MaxLinks) throw new IOException($"more than {MaxLinks} symbolic links");
            if (link.StartsWith('/')) current = "/";
            Push(link);
        }
        return current;
    }

    /// <summary>Refuses a path that is not a regular file (a FIFO would block the reader forever, a device never ends);
    /// symbolic links are followed. For the files a user names: models and data sets.</summary>
    public static void RequireRegularFile(string path, string what)
    {
        if (Directory.Exists(path))
            throw new FormatException($"{what} '{path}' is a directory, not a file");
        if (!OperatingSystem.IsLinux() || !File.Exists(path)) return;
        var status = new Statx();
        if (StatxPath(AtFdCwd, path, 0, StatxTypeAndSize, ref status) == 0 && (status.Mode & SIfmt) != SIfreg)
            throw new FormatException($"{what} '{path}' is not a regular file (a FIFO, device or socket); give a file");
    }

    private static SafeFileHandle OpenPortable(string target) =>
        File.OpenHandle(target, FileMode.Open, FileAccess.Read, FileShare.Read);

    // Linux: open(2) with O_NONBLOCK (never waits for a FIFO writer) and O_NOFOLLOW, then fstat the handle (statx with
    // AT_EMPTY_PATH) and read back its real path from /proc/self/fd: what was opened, not what was checked, must pass.
    [SupportedOSPlatform("linux")]
    private static SafeFileHandle OpenLinux(string target, string folder, Func<string, ModelException> refuse)
    {
        var before = new Statx();
        if (StatxPath(AtFdCwd, target, AtSymlinkNoFollow, StatxTypeAndSize, ref before) != 0)
            throw refuse("is not found beside the model");
        if ((before.Mode & SIfmt) != SIfreg) throw refuse("is not a regular file (a FIFO, device or socket); refused");

        int flags = ORdonly | ONonblock | OCloexec | NoFollowFlag();
        int fd = OpenNative(target, flags);
        if (fd < 0) throw refuse("could not be opened as a regular file; refused");
        var handle = new SafeFileHandle((IntPtr)fd, ownsHandle: true);
        try
        {
            var after = new Statx();
            if (StatxPath(fd, "", AtEmptyPath, StatxTypeAndSize, ref after) != 0 || (after.Mode & SIfmt) != SIfreg)
                throw refuse("is not a regular file (a FIFO, device or socket); refused");
            string proc = $"/proc/self/fd/{fd}";
            if (File.Exists(proc) || Directory.Exists("/proc/self/fd"))
            {
                string? opened = new FileInfo(proc).LinkTarget;
                if (opened is null || !Inside(folder, opened))
                    throw refuse("resolves (through a symbolic link) outside the model's folder; refused");
            }
            return handle;
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    private static int NoFollowFlag() => RuntimeInformation.ProcessArchitecture switch
    {
        Architecture.X64 or Architecture.X86 => 0x20000,
        Architecture.Arm64 or Architecture.Arm => 0x8000,
        _ => 0,
    };

    private const int ORdonly = 0, ONonblock = 0x800, OCloexec = 0x80000;
    private const int AtFdCwd = -100, AtSymlinkNoFollow = 0x100, AtEmptyPath = 0x1000;
    private const uint StatxTypeAndSize = 0x1 | 0x2 | 0x200;
    private const int SIfmt = 0xF000, SIfreg = 0x8000;

    // struct statx (linux/stat.h): the same layout on every architecture.
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct Statx
    {
        [FieldOffset(0)] public uint Mask;
        [FieldOffset(28)] public ushort Mode;
        [FieldOffset(40)] public ulong Size;
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int OpenNative(string path, int flags);

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatxPath(int dirfd, string path, int flags, uint mask, ref Statx buffer);
}
