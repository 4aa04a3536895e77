// `dotnet run -c Release --project bench/Neutron.Bench -- inference MODEL [BATCH] [SECONDS]`: images/s of one
// model through InferenceBenchmark (the same code `neutron bench inference` runs).
using Neutron.Engine.Execution;

namespace Neutron.Bench;

public static class InferenceMode
{
    public static int Run(string[] args)
    {
        if (args.Length < 1)
        {
            Console.Error.WriteLine("usage: inference MODEL [BATCH=256] [SECONDS=5]");
            return 2;
        }
        int batch = args.Length > 1 ? int.Parse(args[1]) : 256;
        double seconds = args.Length > 2 ? double.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 5;
        var r = InferenceBenchmark.Run(args[0], batch, seconds);
        string split = r.Group > 0 ? $", groups of up to {r.Group} images" : "";
        Console.WriteLine($"{r.Model} batch {r.Batch}: {r.ImagesPerSecond:F1} images/s ({r.Runs} runs in {r.Seconds:F2} s, {r.Threads} threads{split}, kernels {r.Kernels})");
        return 0;
    }
}
