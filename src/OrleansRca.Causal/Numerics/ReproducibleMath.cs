using System.Buffers;
using System.Numerics.Tensors;

namespace OrleansRca.Causal.Numerics;

/// <summary>
/// TensorPrimitives' exp, sigmoid and tanh with results that do not depend on where the spans lie in memory.
/// Their vector kernels compute a whole vector of elements by a scalar fallback as soon as one element of it is out
/// of the kernel's range (|x| above 708 for exp and sigmoid, above 354 for tanh, or NaN), and the fallback's last
/// bits differ from the kernel's. Which elements share a vector depends on the span's alignment, so the in-range
/// neighbours of one far-out value changed from run to run (measured: the mixture detector's EM, repeated on the same
/// data in one process, gave log-likelihoods differing in the 14th digit). Here out-of-range elements never enter
/// the vector pass: they are computed one at a time through <see cref="Math"/>.
/// </summary>
internal static class ReproducibleMath
{
    private const double ExpRange = 708;

    private delegate void VectorKernel(ReadOnlySpan<double> x, Span<double> destination);

    public static void Exp(ReadOnlySpan<double> x, Span<double> destination) =>
        Apply(x, destination, ExpRange, TensorPrimitives.Exp, Math.Exp);

    public static void Sigmoid(ReadOnlySpan<double> x, Span<double> destination) =>
        Apply(x, destination, ExpRange, TensorPrimitives.Sigmoid, v => 1.0 / (1.0 + Math.Exp(-v)));

    // tanh's kernel takes exp of 2|x|
    public static void Tanh(ReadOnlySpan<double> x, Span<double> destination) =>
        Apply(x, destination, ExpRange / 2, TensorPrimitives.Tanh, Math.Tanh);

    private static void Apply(ReadOnlySpan<double> x, Span<double> destination, double range, VectorKernel kernel, Func<double, double> scalar)
    {
        if (x.Length == 0) return;
        // MaxMagnitude keeps the sign; NaN anywhere makes it NaN, which fails the test and takes the careful path
        if (Math.Abs(TensorPrimitives.MaxMagnitude(x)) <= range)
        {
            kernel(x, destination);
            return;
        }
        var buffer = ArrayPool<double>.Shared.Rent(x.Length);
        try
        {
            var inside = buffer.AsSpan(0, x.Length);
            var outside = new List<(int Index, double Value)>();
            for (var i = 0; i < x.Length; i++)
            {
                if (Math.Abs(x[i]) <= range) inside[i] = x[i];
                else
                {
                    inside[i] = 0;
                    outside.Add((i, scalar(x[i]))); // before the kernel writes: destination may be x itself
                }
            }
            kernel(inside, destination);
            foreach (var (index, value) in outside) destination[index] = value;
        }
        finally
        {
            ArrayPool<double>.Shared.Return(buffer);
        }
    }
}
