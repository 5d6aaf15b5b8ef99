using MathNet.Numerics.LinearAlgebra;
using MathNet.Numerics.LinearAlgebra.Factorization;
using OrleansRca.Causal.Data;
using OrleansRca.Causal.Models;

namespace OrleansRca.Causal.Fitting;

/// <summary>
/// Ordinary least squares with an intercept, by Householder QR (MathNet): more stable than the
/// normal equations when parents are strongly correlated. Exactly or nearly collinear parents are
/// an <see cref="InputException"/> naming them, never a silently arbitrary fit.
/// </summary>
public static class LeastSquares
{
    /// <summary>|R_kk| below this fraction of column k's norm means column k is (nearly) a combination of the earlier ones.</summary>
    public const double CollinearityTolerance = 1e-9;

    public static LinearMechanism Fit(string node, IReadOnlyList<string> parentNames, IReadOnlyList<double[]> parents, double[] target)
    {
        var n = target.Length;
        var p = parents.Count;
        if (n < p + 1)
            throw new InputException($"cannot fit '{node}': {n} rows are too few for an intercept and {p} parent weight(s)");

        var design = new double[n * (p + 1)];
        Array.Fill(design, 1.0, 0, n);
        for (var k = 0; k < p; k++) parents[k].AsSpan().CopyTo(design.AsSpan((k + 1) * n, n));
        var x = Matrix<double>.Build.Dense(n, p + 1, design);
        var qr = x.QR(QRMethod.Thin);
        var r = qr.R;
        for (var k = 0; k <= p; k++)
        {
            var norm = x.Column(k).L2Norm();
            if (Math.Abs(r[k, k]) <= CollinearityTolerance * Math.Max(norm, double.Epsilon))
            {
                var what = k == 0 ? "the intercept" : $"parent '{parentNames[k - 1]}'";
                var earlier = k <= 1 ? "a constant" : $"the intercept and {string.Join(", ", parentNames.Take(k - 1).Select(s => $"'{s}'"))}";
                throw new InputException(k == 0
                    ? $"cannot fit '{node}': the data have no rows"
                    : $"cannot fit '{node}': its parents are collinear in the data ({what} is a linear combination of {earlier})");
            }
        }
        var beta = qr.Solve(Vector<double>.Build.Dense(target));
        return new LinearMechanism(beta[0], [.. beta.Skip(1)]);
    }

    /// <summary>Fits every non-root node of <paramref name="model"/> that has no mechanism.</summary>
    public static CausalModel FitMissing(CausalModel model, DataTable data)
    {
        var mechanisms = model.Mechanisms.ToArray();
        foreach (var v in model.NodesToFit())
            mechanisms[v] = FitNode(model, data, v);
        return model.WithMechanisms(mechanisms);
    }

    public static LinearMechanism FitNode(CausalModel model, DataTable data, int node)
    {
        var g = model.Graph;
        var parents = g.Parents[node];
        return Fit(g.Names[node], parents.Select(q => g.Names[q]).ToList(), parents.Select(q => data[g.Names[q]]).ToList(), data[g.Names[node]]);
    }
}
