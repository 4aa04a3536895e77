// `--shard auto`: the shard from a Slurm array task or a Kubernetes Indexed Job, and one clear line when neither is there.
using Neutron.Cli.Options;

namespace Neutron.Cli.Tests.Options;

public class SchedulerShardTests
{
    static (int, int) From(params (string Name, string Value)[] env) =>
        SchedulerShard.FromEnvironment(name => env.FirstOrDefault(e => e.Name == name).Value);

    [Fact]
    public void SlurmArraysCountFromTheirFirstId()
    {
        Assert.Equal((1, 4), From(("SLURM_ARRAY_TASK_ID", "0"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_MAX", "3"), ("SLURM_ARRAY_TASK_COUNT", "4")));
        Assert.Equal((4, 4), From(("SLURM_ARRAY_TASK_ID", "4"), ("SLURM_ARRAY_TASK_MIN", "1"), ("SLURM_ARRAY_TASK_MAX", "4"), ("SLURM_ARRAY_TASK_COUNT", "4")));
        var sparse = Assert.Throws<UserError>(() => From(("SLURM_ARRAY_TASK_ID", "2"), ("SLURM_ARRAY_TASK_MIN", "0"), ("SLURM_ARRAY_TASK_MAX", "8"), ("SLURM_ARRAY_TASK_COUNT", "5")));
        Assert.Contains("not one per id", sparse.Message);
    }

    [Fact]
    public void KubernetesIndexedJobsNeedTheirCompletions()
    {
        Assert.Equal((3, 8), From(("JOB_COMPLETION_INDEX", "2"), ("JOB_COMPLETIONS", "8")));
        Assert.Contains("JOB_COMPLETIONS", Assert.Throws<UserError>(() => From(("JOB_COMPLETION_INDEX", "2"))).Message);
        Assert.Contains("shard 9 of 8", Assert.Throws<UserError>(() => From(("JOB_COMPLETION_INDEX", "8"), ("JOB_COMPLETIONS", "8"))).Message);
    }

    [Fact]
    public void NoSchedulerIsOneClearLine()
    {
        var e = Assert.Throws<UserError>(() => From());
        Assert.Contains("found no scheduler", e.Message);
        Assert.Contains("--shard k/N", e.Hint);
    }
}
