// Databases with random pages overwritten: every reading and writing command either refuses the file with exit 4
// and one line saying it is damaged, or gives exactly the answer of the intact file. Never a partial table.
using Neutron.Results.Tests.Campaigns;

namespace Neutron.Results.Tests.Store;

public class CorruptionTests
{
    [Fact]
    public void DamagedPagesGiveExit4OrTheExactAnswer()
    {
        using var dir = new TempDirectory();
        string pristine = dir.File("pristine.db");
        var (exit, _, err) = NeutronProcess.Run("campaign", Shared.Lenet, "--data", Shared.Data, "--images", "50",
            "--plan", "random:300", "--threads", "1", "--db", pristine);
        Assert.True(exit == 0, err);
        string[][] commands = [["summary", "--json"], ["export", "--csv", "OUT"], ["resume", "--threads", "1"]];
        var expected = commands.Select(c => Run(c, pristine)).ToList();
        foreach (var e in expected) Assert.True(e.Exit == 0, e.Err);

        long pages = new FileInfo(pristine).Length / 4096;
        var random = new Random(20261203);
        int refused = 0, exact = 0;
        for (int mutant = 0; mutant < 12; mutant++)
        {
            string db = dir.File($"m{mutant}.db");
            File.Copy(pristine, db, overwrite: true);
            using (var f = File.OpenWrite(db))
            {
                int count = 1 + random.Next(3);
                for (int i = 0; i < count; i++)
                {
                    // Page 1 holds the header and schema: damage it in some mutants only, the data pages in all.
                    long page = mutant % 4 == 0 ? random.NextInt64(0, pages) : random.NextInt64(1, pages);
                    var bytes = new byte[64 + random.Next(4032)];
                    random.NextBytes(bytes);
                    f.Position = page * 4096 + random.Next(4096 - bytes.Length + 1);
                    f.Write(bytes);
                }
            }
            for (int c = 0; c < commands.Length; c++)
            {
                var got = Run(commands[c], db);
                Assert.True(got.Exit is 0 or 4, $"mutant {mutant}, {commands[c][0]}: exit {got.Exit}\n{got.Err}");
                if (got.Exit == 4)
                {
                    refused++;
                    Assert.DoesNotContain("   at ", got.Err);
                    Assert.Contains("hint:", got.Err);
                }
                else
                {
                    exact++;
                    Assert.Equal(expected[c].Out, got.Out);
                }
            }
        }
        Assert.True(refused > 0, "no mutant was refused: the damage never reached the data");
    }

    /// <summary>Runs a command on a database; an export's output is its file's content.</summary>
    static (int Exit, string Out, string Err) Run(string[] command, string db)
    {
        string output = db + ".csv";
        File.Delete(output);
        var (exit, stdout, stderr) = NeutronProcess.Run([command[0], "--db", db, .. command[1..].Select(a => a == "OUT" ? output : a)]);
        return command.Contains("OUT") ? (exit, File.Exists(output) ? File.ReadAllText(output) : "", stderr) : (exit, stdout, stderr);
    }
}
