// A plan read from a CSV fault list (`--faults FILE.csv`): the faults as listed, keyed by the list's id column
// (else the 0-based row), each checked against the model's sites before any fault runs; the first misfit throws
// a FaultException naming the file's line and the reason. The drawn plans are in FaultPlanner.cs.
using Neutron.Faults;
using Neutron.Faults.Io;
using Neutron.Faults.Running;
using Neutron.Faults.Sites;

namespace Neutron.Analysis.Planning;

public static class FaultListPlan
{
    public static PlannedFault[] Read(string path, SiteCatalog sites)
    {
        var rows = FaultCsv.Read(path);
        var plan = new PlannedFault[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            var row = rows[i];
            try { sites.Validate(row.Fault); }
            catch (FaultException e) { throw e.AtLine(row.Line); }
            if (row.Id < 0) throw new FaultException($"id {row.Id} is negative; ids key the stored outcomes and must be ≥ 0", row.Line);
            plan[i] = new PlannedFault(row.Id, row.Fault);
        }
        return plan;
    }
}
