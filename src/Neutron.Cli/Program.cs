// neutron: thin commands over the libraries. Each command lives in Commands/<Name>Command.cs; add one line here.
using System.CommandLine;
using Neutron.Cli.Commands;

namespace Neutron.Cli;

public static class Program
{
    public static RootCommand Root() => new("Neutron: find the bits that break your network before a neutron does.")
    {
        InspectCommand.Create(),
        RunCommand.Create(),
        EvalCommand.Create(),
        BenchCommand.Create(),
        CampaignCommand.Create(),
        ResumeCommand.Create(),
        WorkerCommand.Create(),
        ExportCommand.Create(),
        SummaryCommand.Create(),
        MergeCommand.Create(),
        CopyCommand.Create(),
        TrainCommand.Create(),
        ReportCommand.Create(),
        TrustCommand.Create(),
        BerCommand.Create(),
        PredictCommand.Create(),
        ProtectCommand.Create(),
    };

    public static int Main(string[] args) => CliRunner.Invoke(Root(), args);
}
