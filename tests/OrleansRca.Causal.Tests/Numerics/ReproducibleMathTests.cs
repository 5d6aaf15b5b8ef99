using System.Numerics.Tensors;
using OrleansRca.Causal.Numerics;

namespace OrleansRca.Causal.Tests.Numerics;

/// <summary>
/// Exp, sigmoid and tanh give the same bits wherever the span lies in memory, also with values out of the vector
/// kernels' range among them; out-of-range elements equal <see cref="Math"/>'s, in-range ones the vector kernel's.
/// </summary>
public sealed class ReproducibleMathTests
{
    private delegate void Map(ReadOnlySpan<double> x, Span<double> destination);

    public static TheoryData<string, double> Cases => new()
    {
        { "exp", -750 }, { "exp", 709.5 }, { "exp", double.NaN }, { "exp", double.NegativeInfinity },
        { "sigmoid", -709 }, { "sigmoid", 900 }, { "sigmoid", double.NaN },
        { "tanh", 360 }, { "tanh", -708 }, { "tanh", double.NaN },
    };

    private static (Map Ours, Map Kernel, Func<double, double> Scalar) Functions(string name) => name switch
    {
        "exp" => (ReproducibleMath.Exp, TensorPrimitives.Exp, Math.Exp),
        "sigmoid" => (ReproducibleMath.Sigmoid, TensorPrimitives.Sigmoid, v => 1.0 / (1.0 + Math.Exp(-v))),
        "tanh" => (ReproducibleMath.Tanh, TensorPrimitives.Tanh, Math.Tanh),
        _ => throw new ArgumentException(name),
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void The_result_does_not_depend_on_the_spans_alignment(string name, double farOut)
    {
        var (ours, kernel, scalar) = Functions(name);
        const int n = 1_003;
        var random = new Random(7);
        var x = Enumerable.Range(0, n).Select(_ => random.NextDouble() < 0.03 ? farOut : random.NextDouble() * 40 - 20).ToArray();
        var outside = Enumerable.Range(0, n).Where(i => !(Math.Abs(x[i]) <= 354)).ToArray();
        Assert.InRange(outside.Length, 10, 100);

        // The reference: the kernel on the in-range values alone, Math on the rest.
        var expected = new double[n];
        kernel(x.Select(v => Math.Abs(v) <= 354 ? v : 0).ToArray(), expected);
        foreach (var i in outside) expected[i] = scalar(x[i]);

        // Every start offset within 64 bytes, out of place and in place.
        for (var offset = 0; offset < 8; offset++)
        {
            var source = new double[n + 8];
            var destination = new double[n + 8];
            x.CopyTo(source, offset);
            ours(source.AsSpan(offset, n), destination.AsSpan(offset, n));
            AssertBits(expected, destination.AsSpan(offset, n), $"offset {offset}");
            ours(source.AsSpan(offset, n), source.AsSpan(offset, n));
            AssertBits(expected, source.AsSpan(offset, n), $"offset {offset}, in place");
        }
    }

    private static void AssertBits(double[] expected, ReadOnlySpan<double> actual, string where)
    {
        for (var i = 0; i < expected.Length; i++)
        {
            if (BitConverter.DoubleToInt64Bits(expected[i]) != BitConverter.DoubleToInt64Bits(actual[i]))
                Assert.Fail($"{where}, element {i}: {actual[i]:R}, expected {expected[i]:R}");
        }
    }
}
