// neutron: thin commands over the libraries. Each command lives in Commands/<Name>Command.cs.
using System.CommandLine;
using Neutron.Cli;
using Neutron.Cli.Commands;

var root = new RootCommand("Neutron: find the bits that break your network before a neutron does.")
{
    InspectCommand.Create(),
    ReportCommand.Create(),
    TrustCommand.Create(),
    BerCommand.Create(),
};
return CliRunner.Invoke(root, args);
