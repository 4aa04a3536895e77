// A scratch folder per test, deleted afterwards; campaign databases are files, so store tests need real paths.
namespace Neutron.Results.Tests;

public sealed class TempDirectory : IDisposable
{
    public string Path { get; } = Directory.CreateTempSubdirectory("neutron-test-").FullName;

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        try { Directory.Delete(Path, recursive: true); }
        catch (IOException) { } // a killed child process may still hold a file for a moment; the OS cleans /tmp
    }
}
