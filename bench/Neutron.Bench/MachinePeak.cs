// The machine's FP32 FMA peak, the yardstick for GEMM efficiency. Assumes (and prints) 2 FMA pipes × 8 lanes
// (AVX2; 16 with AVX-512) × 2 flops per FMA per core per cycle, at the "cpu MHz" /proc/cpuinfo reports — the
// nominal clock a VM shows, not a measured boost clock, so a turbo-boosted core can exceed "100 %".
using System.Globalization;
using System.Runtime.Intrinsics;

namespace Neutron.Bench;

public sealed record MachinePeak(int Cores, double ClockGHz, int Lanes, int FmaUnits)
{
    public double GflopsPerCore => FmaUnits * Lanes * 2 * ClockGHz;
    public double Gflops => GflopsPerCore * Cores;

    public string Assumption =>
        $"{Cores} cores × {FmaUnits} FMA units × {Lanes} lanes × 2 flops × {ClockGHz:F3} GHz (cpu MHz from /proc/cpuinfo)";

    public static MachinePeak Detect(int cores)
    {
        double mhz = 0;
        if (File.Exists("/proc/cpuinfo"))
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
                if (line.StartsWith("cpu MHz", StringComparison.Ordinal))
                {
                    mhz = double.Parse(line[(line.IndexOf(':') + 1)..].Trim(), CultureInfo.InvariantCulture);
                    break;
                }
        if (mhz <= 0) throw new InvalidOperationException("no 'cpu MHz' line in /proc/cpuinfo; cannot state the FMA peak");
        int lanes = Vector512.IsHardwareAccelerated ? 16 : 8;
        return new MachinePeak(cores, mhz / 1000, lanes, 2);
    }
}
