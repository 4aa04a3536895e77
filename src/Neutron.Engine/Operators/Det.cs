// Det: the determinant of each square matrix in the last two axes, by Gaussian elimination with partial pivoting
// in double precision.   x: (..., M, M)   y: (...)
using Neutron.Engine.Graph;
using Neutron.Engine.Tensors;

namespace Neutron.Engine.Operators;

public sealed class Det : Operator
{
    public Det(Node node, long opset) : base(node, opset) { }

    public override TensorType[] Infer(TensorType?[] inputs)
    {
        var x = Required(inputs, 0);
        RequireFloat(x, "X");
        if (x.Shape.Length < 2 || x.Shape[^1] != x.Shape[^2]) throw Error($"X must end in a square matrix, got {ShapeUtil.Format(x.Shape)}");
        return [new TensorType(x.Type, x.Shape[..^2])];
    }

    public override void Run(Tensor?[] inputs, Tensor[] outputs)
    {
        var x = inputs[0]!.Floats;
        var y = outputs[0].Floats;
        int m = inputs[0]!.Shape[^1];
        var a = new double[m * m];
        for (int t = 0; t < y.Length; t++)
        {
            for (int i = 0; i < a.Length; i++) a[i] = x[t * m * m + i];
            double det = 1;
            for (int col = 0; col < m && det != 0; col++)
            {
                int pivot = col;
                for (int r = col + 1; r < m; r++) if (Math.Abs(a[r * m + col]) > Math.Abs(a[pivot * m + col])) pivot = r;
                if (a[pivot * m + col] == 0) { det = 0; break; }
                if (pivot != col)
                {
                    for (int c = 0; c < m; c++) (a[col * m + c], a[pivot * m + c]) = (a[pivot * m + c], a[col * m + c]);
                    det = -det;
                }
                det *= a[col * m + col];
                for (int r = col + 1; r < m; r++)
                {
                    double f = a[r * m + col] / a[col * m + col];
                    for (int c = col; c < m; c++) a[r * m + c] -= f * a[col * m + c];
                }
            }
            y[t] = (float)det;
        }
    }
}
