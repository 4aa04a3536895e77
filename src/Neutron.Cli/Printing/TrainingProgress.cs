// Training progress: a bar on an interactive terminal, and one line per epoch always, so logs of background runs
// read well.
using Neutron.Engine.Autodiff;
using Neutron.Engine.Training;
using Spectre.Console;

namespace Neutron.Cli.Printing;

public static class TrainingProgress
{
    public static List<EpochReport> Fit(ModelTape net, TrainerOptions options, ImageSet train, ImageSet? test)
    {
        if (!AnsiConsole.Profile.Capabilities.Interactive)
            return new Trainer(net, options) { OnEpoch = r => Console.WriteLine(Line(r)) }.Fit(train, test);
        var reports = new List<EpochReport>();
        int epochs = options.Epochs;
        AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                var task = ctx.AddTask($"epoch 1/{epochs}", maxValue: epochs);
                var trainer = new Trainer(net, options)
                {
                    OnBatch = (done, total) => task.Value = reports.Count + (double)done / total,
                    OnEpoch = r =>
                    {
                        reports.Add(r);
                        task.Description = $"epoch {Math.Min(r.Epoch + 1, epochs)}/{epochs}  loss {r.Loss:F4}  acc {r.Accuracy:P2}";
                        AnsiConsole.MarkupLine(Markup.Escape(Line(r)));
                    },
                };
                trainer.Fit(train, test);
            });
        return reports;
    }

    static string Line(EpochReport r) =>
        $"epoch {r.Epoch,3}/{r.Epochs}  loss {r.Loss:F4}  train {r.Accuracy:P2}" +
        (r.TestAccuracy is { } t ? $"  test {t:P2}" : "") + $"  lr {r.LearningRate:G3}  {r.Seconds:F1} s";
}
