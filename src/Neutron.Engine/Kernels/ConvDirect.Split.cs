// How ConvDirect's pixel-rows path cuts a layer into tasks (parts of the pixels × groups of output channels).
namespace Neutron.Engine.Kernels;

public static partial class ConvDirect
{
    /// <summary>
    /// How the pixel-rows path cuts a layer into tasks: parts of the pixels (whole tiles, as even as they come) ×
    /// groups of output channels (Width, a multiple of 32, the last group the rest). A task's [pixels][channels]
    /// product stays near 192 KB, in L2 while every filter panel passes over it; a panel is reused by every tile of
    /// the part, so parts are kept at 16 tiles or more by narrowing the groups when there are many channels
    /// (ResNet-18's 512-channel layers on 7×7 planes). At least eight tasks, so every core has work.
    /// </summary>
    private readonly record struct Split(int Pixels, int Parts, int Groups, int Width, int Tiles, int TilesPerPart, bool GroupsOuter)
    {
        private const int ProductFloats = 49_152, MinTiles = 16, MinTasks = 8, FilterFloatsSplit = 1 << 20;

        public int Tasks => Parts * Groups;

        public static Split Of(int pixels, int mp, int k)
        {
            int tiles = (pixels + Rows - 1) / Rows, width = mp;
            while (width > 64 && ProductFloats / width / Rows < MinTiles && tiles > ProductFloats / width / Rows)
                width = RoundUp(width / 2, 32);
            // Few pixels under many filters (MobileNetV2's 1 × 1 layers on 3 × 3 planes): one group per core, so each
            // core streams half the filters through its own cache instead of all of them once per tile.
            if (width == mp && mp > 2 * pixels && mp >= 128) width = RoundUp(mp / 2, 32);
            int groups = (mp + width - 1) / width;
            int perPart = Math.Clamp(ProductFloats / width / Rows, 1, MaxChunk / Rows);
            int parts = Math.Min(tiles, Math.Max((tiles + perPart - 1) / perPart, (MinTasks + groups - 1) / groups));
            // Threads take contiguous runs of tasks (WorkerThreads). Numbered part by part, each thread reads every
            // filter and its own pixels; group by group, its own filters and every pixel. The latter when the filters
            // outweigh the pixels' patches (mp·k floats against pixels·k) and a core's share stays near its L2:
            // SqueezeNet's 2 MB classifier, 0.85 → 0.74 ms on 2 cores; ResNet-18's 9.4 MB layer4 convolutions ran
            // 6.1 → 7.5 ms that way, their filters no longer read by both cores at once from the shared cache.
            bool groupsOuter = groups > 1 && mp > pixels && (long)mp * k <= FilterFloatsSplit;
            return new Split(pixels, parts, groups, width, tiles, (tiles + parts - 1) / parts, groupsOuter);
        }

        /// <summary>Task t: pixels [First, First + Count) and channels [M0, M0 + Width) of the mp packed ones.</summary>
        public (int First, int Count, int M0, int Width) Task(int t, int mp)
        {
            int part = GroupsOuter ? t % Parts : t / Groups, group = GroupsOuter ? t / Parts : t % Groups;
            int from = (int)((long)part * Tiles / Parts), to = (int)((long)(part + 1) * Tiles / Parts);
            int m0 = group * Width;
            return (from * Rows, Math.Min(to * Rows, Pixels) - from * Rows, m0, Math.Min(Width, mp - m0));
        }
    }
}
