// `--shard auto`: the shard k/N a scheduler gives this process. A Slurm job array sets SLURM_ARRAY_TASK_ID with
// SLURM_ARRAY_TASK_MIN and SLURM_ARRAY_TASK_COUNT (ids may start at 0 or 1, so k counts from the minimum); a
// Kubernetes Indexed Job sets JOB_COMPLETION_INDEX (from 0), and its manifest passes the Job's completions as
// JOB_COMPLETIONS (deploy/kubernetes/job.yaml), since Kubernetes does not expose them to the pod.
using System.Globalization;

namespace Neutron.Cli.Options;

public static class SchedulerShard
{
    /// <summary>The shard from the environment (<paramref name="env"/> reads a variable).</summary>
    public static (int K, int N) FromEnvironment(Func<string, string?> env)
    {
        int? Read(string name)
        {
            string? text = env(name);
            if (string.IsNullOrEmpty(text)) return null;
            return int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v
                : throw new UserError($"--shard auto: {name}='{text}' is not a whole number", "check the job script; it is set by the scheduler");
        }
        if (Read("SLURM_ARRAY_TASK_ID") is { } id)
        {
            int count = Read("SLURM_ARRAY_TASK_COUNT") ?? throw new UserError("--shard auto: SLURM_ARRAY_TASK_COUNT is not set", "submit with sbatch --array=1-N");
            int min = Read("SLURM_ARRAY_TASK_MIN") ?? 1;
            int max = Read("SLURM_ARRAY_TASK_MAX") ?? min + count - 1;
            // A stepped or sparse array (--array=0-9:2, 1,4,7) has ids that are not one shard each.
            if (max - min + 1 != count)
                throw new UserError($"--shard auto: the Slurm array {min}-{max} has {count} tasks, not one per id", "submit a contiguous array, e.g. sbatch --array=1-N");
            return Checked(id - min + 1, count, "SLURM_ARRAY_TASK_ID");
        }
        if (Read("JOB_COMPLETION_INDEX") is { } index)
        {
            int count = Read("JOB_COMPLETIONS") ?? throw new UserError("--shard auto: JOB_COMPLETIONS is not set beside JOB_COMPLETION_INDEX",
                "set env JOB_COMPLETIONS to the Job's spec.completions in the manifest (see deploy/kubernetes/job.yaml)");
            return Checked(index + 1, count, "JOB_COMPLETION_INDEX");
        }
        throw new UserError("--shard auto found no scheduler: neither SLURM_ARRAY_TASK_ID nor JOB_COMPLETION_INDEX is set",
            "run it as a Slurm array task (sbatch --array=1-N) or a Kubernetes Indexed Job, or give --shard k/N");
    }

    static (int, int) Checked(int k, int n, string from) => k >= 1 && k <= n ? (k, n)
        : throw new UserError($"--shard auto: {from} gives shard {k} of {n}", "the index must lie within the array or the Job's completions");
}
