// Neutron benchmarks. `--gflops [MxNxK]`: GEMM GFLOP/s and % of FMA peak. `inference MODEL [BATCH] [SECONDS]`:
// images/s of one model; `profile MODEL [BATCH] [RUNS]`: time per operator type; `export MODEL DIR`: graph + weights for
// PyTorch (bench/compare-torch.sh); `train [IMAGES]`: seconds per LeNet-5 epoch; `importance-truth MODEL DATA TRUTH.csv`:
// importance and uniform plans against an exhaustive campaign's outcomes (ImportanceTruthMode.cs); `importance-proposal MODEL
// DATA`: the cost of an importance plan's proposal on a whole weight space (ImportanceProposalMode.cs); `ber-reference MODEL
// DATA TRUTH.csv`: P(fail) at one bit-error rate, exact for one flip, Monte Carlo for more (BerReferenceMode.cs).
// `depthwise [REPS] [ACTIVATION] [INPUT]`: the best time of each MobileNetV2 and EfficientNet-B0 depthwise layer (DepthwiseMode.cs).
// Anything else goes to BenchmarkDotNet (e.g. `--filter '*Gemm*'`, `--list flat`).
using BenchmarkDotNet.Running;
using Neutron.Bench;

if (args.Length > 0 && args[0] == "--gflops") return GflopsMode.Run(args);
if (args.Length > 0 && args[0] == "train") return TrainMode.Run(args[1..]);
if (args.Length > 0 && args[0] == "inference") return InferenceMode.Run(args[1..]);
if (args.Length > 0 && args[0] == "profile") return ProfileMode.Run(args[1..]);
if (args.Length > 0 && args[0] == "importance-truth") return ImportanceTruthMode.Run(args[1..]);
if (args.Length > 0 && args[0] == "importance-proposal") return ImportanceProposalMode.Run(args[1..]);
if (args.Length > 0 && args[0] == "ber-reference") return BerReferenceMode.Run(args[1..]);
if (args.Length > 0 && args[0] == "depthwise") return DepthwiseMode.Run(args[1..]);
if (args.Length > 0 && args[0] == "export") return ExportMode.Run(args[1..]);
BenchmarkSwitcher.FromAssembly(typeof(GflopsMode).Assembly).Run(args);
return 0;
