// Fault lists in CSV: peer files import directly, ids and quoting round-trip, a bad line names its number.
using Neutron.Faults.Io;

namespace Neutron.Faults.Tests.Io;

public class FaultCsvTests
{
    [Fact]
    public void Reads_peer_files()
    {
        foreach (var path in Directory.GetFiles(SharedData.Path("peer"), "*.csv"))
        {
            var rows = FaultCsv.Read(path);
            Assert.NotEmpty(rows);
            Assert.Equal(0, rows[0].Id);
            Assert.Equal(2, rows[0].Line);
            Assert.True(rows[0].Columns.ContainsKey("sdc"));
        }
    }

    [Fact]
    public void Round_trips_with_ids_and_quotes()
    {
        var faults = new[] { (10L, Fault.Parse("weight:a,b@1#2")), (3L, Fault.Parse("act:x\"y@4#5:stuck0")) };
        var sw = new StringWriter();
        FaultCsv.Write(sw, faults);
        var rows = FaultCsv.Read(new StringReader(sw.ToString()));
        Assert.Equal(faults.Select(f => f.Item1), rows.Select(r => r.Id));
        Assert.Equal(faults.Select(f => f.Item2), rows.Select(r => r.Fault));
    }

    [Theory]
    [InlineData("id,fault\n0,weight:w@1#2\n1,weight:w@1\n", 3, "missing '#BIT'")]
    [InlineData("id,fault\n0,weight:w@1#2\n0,weight:w@1#3\n", 3, "id 0 appears twice")]
    [InlineData("id,fault\nx,weight:w@1#2\n", 2, "id 'x' is not an integer")]
    [InlineData("id,fault\n0,weight:w@1#2,extra\n", 2, "3 fields, the header has 2")]
    [InlineData("id,fault\n0,\"weight:w@1#2\n", 2, "unterminated quoted field")]
    [InlineData("id,faults\n0,weight:w@1#2\n", 1, "no 'fault' column")]
    public void Malformed_line_names_line_and_reason(string csv, int line, string reason)
    {
        var e = Assert.Throws<FaultException>(() => FaultCsv.Read(new StringReader(csv)));
        Assert.Equal(line, e.Line);
        Assert.StartsWith($"line {line}: ", e.Message);
        Assert.Contains(reason, e.Message);
    }
}
