// The one validation of labelled data every command that reads data goes through: images finite (no NaN or
// infinity, as stored and after normalisation), float labels only when integral and finite, and labels in
// [0, classes) of the model they are used with. Failures are DataExceptions naming the image (exit 3 in the CLI).
// DataSpec.Load applies the first two; commands call ForClassifier once the model is known.
using System.Globalization;
using Neutron.Engine.Execution;
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Data;

public static class DataChecks
{
    /// <summary>Refuses a NaN or infinite value in images (N, ...), naming the first image that holds one.</summary>
    public static void Finite(Tensor images, string source, string when)
    {
        var x = images.Floats;
        int per = images.Shape[0] == 0 ? 1 : Math.Max(1, x.Length / images.Shape[0]);
        for (int i = 0; i < x.Length; i++)
            if (!float.IsFinite(x[i]))
                throw new DataException($"{source}: image {i / per} holds {x[i].ToString(CultureInfo.InvariantCulture)} (element {i % per}) {when}; images must be finite");
    }

    /// <summary>Float labels as class indices: each must be a finite integer ≥ 0 (1.0 is class 1; 1.5, NaN and -1 are refused).</summary>
    public static long[] IntegralLabels(ReadOnlySpan<float> labels, string source)
    {
        var result = new long[labels.Length];
        for (int i = 0; i < labels.Length; i++)
        {
            float v = labels[i];
            if (!float.IsFinite(v) || v != MathF.Floor(v) || v < 0 || v > int.MaxValue)
                throw new DataException($"{source}: label {v.ToString(CultureInfo.InvariantCulture)} of image {i} is not a class index (a whole number ≥ 0)");
            result[i] = (long)v;
        }
        return result;
    }

    /// <summary>Refuses a label outside [0, classes), naming the first image that has one.</summary>
    public static void Labels(IReadOnlyList<long> labels, int classes, string source, string model)
    {
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] < 0 || labels[i] >= classes)
                throw new DataException($"{source}: image {i} has label {labels[i]}, the model has {classes} classes (labels 0 to {classes - 1} for {model})");
    }

    public static void Labels(IReadOnlyList<int> labels, int classes, string source, string model)
    {
        for (int i = 0; i < labels.Count; i++)
            if (labels[i] < 0 || labels[i] >= classes)
                throw new DataException($"{source}: image {i} has label {labels[i]}, the model has {classes} classes (labels 0 to {classes - 1} for {model})");
    }

    /// <summary>The data's labels checked against the classes of a classifier (last dimension of its first output).</summary>
    public static void ForClassifier(LabeledData data, Model model, string modelName)
    {
        Labels(data.Labels, Classes(model), data.Source.Length > 0 ? data.Source : "data", modelName);
    }

    /// <summary>Classes of a classifier: the last dimension of its first output, as declared or inferred at batch 1.</summary>
    public static int Classes(Model model)
    {
        if (model.Outputs.Count > 0 && model.Outputs[0].Shape is { Length: 2 } declared && declared[1] > 0) return declared[1];
        return Classes(new InferenceSession(model));
    }

    public static int Classes(InferenceSession session)
    {
        var plan = session.DefaultPlan;
        if (plan.OutputIds.Length == 0) throw new ModelException(ModelErrorCode.InvalidGraph, "the model has no outputs");
        var shape = plan.Types[plan.OutputIds[0]].Shape;
        if (shape.Length != 2 || shape[1] < 1)
            throw new ModelException(ModelErrorCode.ShapeMismatch,
                $"output '{plan.Names[plan.OutputIds[0]]}' is {ShapeUtil.Format(shape)} at batch 1; a classifier's first output is (N, classes) logits");
        return shape[1];
    }
}
