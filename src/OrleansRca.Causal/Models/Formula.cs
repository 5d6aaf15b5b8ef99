using System.Buffers;
using System.Runtime.CompilerServices;
using OrleansRca.Causal.Numerics;

namespace OrleansRca.Causal.Models;

/// <summary>
/// A sandboxed arithmetic formula over a node's parents (contract section 1), parsed once and
/// compiled to a flat vectorized plan over columns. Only numbers, parent names, + - * / ^,
/// parentheses and the functions exp log sqrt abs min max pow sigmoid tanh exist; anything else
/// is an <see cref="InputException"/> at load time. Precedence follows the usual mathematical
/// (and Python) rules: ^ binds tighter than unary minus and is right-associative.
/// </summary>
public sealed class Formula
{
    private static readonly Dictionary<string, int> FunctionArity = new(StringComparer.Ordinal)
    {
        ["exp"] = 1, ["log"] = 1, ["sqrt"] = 1, ["abs"] = 1, ["sigmoid"] = 1, ["tanh"] = 1,
        ["min"] = 2, ["max"] = 2, ["pow"] = 2,
    };

    private readonly Expr _root;
    private readonly Instruction[] _plan;
    private readonly int _temporaries;
    private readonly Operand _result;

    /// <summary>The source text.</summary>
    public string Expression { get; }
    /// <summary>Variables in the order the evaluator expects their columns.</summary>
    public IReadOnlyList<string> Variables { get; }

    private Formula(string expression, Expr root, IReadOnlyList<string> variables)
    {
        Expression = expression;
        _root = root;
        Variables = variables;
        var compiler = new Compiler();
        _result = compiler.Emit(root);
        _plan = [.. compiler.Plan];
        _temporaries = compiler.TemporaryCount;
    }

    /// <summary>
    /// Parses <paramref name="expression"/>; every name must be one of <paramref name="allowedVariables"/>
    /// (the node's parents). <see cref="Variables"/> then lists exactly <paramref name="allowedVariables"/>.
    /// </summary>
    public static Formula Compile(string expression, IReadOnlyList<string> allowedVariables, string owner)
    {
        var parser = new Parser(expression, allowedVariables, owner);
        var root = parser.ParseAll();
        return new Formula(expression, root, allowedVariables);
    }

    /// <summary>
    /// The formula as a constant plus parts that read disjoint sets of variables: its top-level sum split
    /// into addends, the addends that share a variable joined into one part (constant addends dropped).
    /// A change to some variables then moves the value by the change of the parts that read them alone,
    /// which is how counterfactual propagation updates a node with many parents when one of them moved.
    /// Each part is a formula over the same <see cref="Variables"/>.
    /// </summary>
    public IReadOnlyList<(int[] Variables, Formula Part)> AdditiveParts() => _parts ??= Split();

    private IReadOnlyList<(int[] Variables, Formula Part)>? _parts;

    private List<(int[] Variables, Formula Part)> Split()
    {
        var addends = new List<Expr>();
        Flatten(_root, negate: false, addends);
        var n = Variables.Count;
        var uses = addends.Select(a => Enumerable.Range(0, n).Where(a.Uses).ToArray()).ToList();
        // Union-find over variables: addends reading a common variable belong to one part.
        var parent = Enumerable.Range(0, n).ToArray();
        int Find(int x) => parent[x] == x ? x : parent[x] = Find(parent[x]);
        foreach (var u in uses)
            for (var k = 1; k < u.Length; k++) parent[Find(u[k])] = Find(u[0]);
        var groups = new Dictionary<int, List<int>>();
        for (var a = 0; a < addends.Count; a++)
        {
            if (uses[a].Length == 0) continue;
            var key = Find(uses[a][0]);
            if (!groups.TryGetValue(key, out var list)) groups[key] = list = [];
            list.Add(a);
        }
        return groups.Values.Select(members =>
        {
            var expr = members.Skip(1).Aggregate(addends[members[0]], (sum, a) => new Call(Op.Add, sum, addends[a]));
            var variables = members.SelectMany(a => uses[a]).Distinct().Order().ToArray();
            return (variables, new Formula(Expression, expr, Variables));
        }).ToList();
    }

    private static void Flatten(Expr e, bool negate, List<Expr> addends)
    {
        switch (e)
        {
            case Call { Op: Op.Add } add:
                Flatten(add.Left, negate, addends);
                Flatten(add.Right!, negate, addends);
                break;
            case Call { Op: Op.Sub } sub:
                Flatten(sub.Left, negate, addends);
                Flatten(sub.Right!, !negate, addends);
                break;
            case Call { Op: Op.Neg } neg:
                Flatten(neg.Left, !negate, addends);
                break;
            default:
                addends.Add(negate ? new Call(Op.Neg, e, null) : e);
                break;
        }
    }

    /// <summary>True when the formula's value depends on the variable at <paramref name="variable"/>.</summary>
    public bool Uses(int variable) => _root.Uses(variable);

    /// <summary>Evaluates one row; <paramref name="values"/> follows <see cref="Variables"/>.</summary>
    public double Evaluate(ReadOnlySpan<double> values) => _root.Eval(values);

    /// <summary>
    /// Evaluates a batch: <paramref name="columns"/>[k] holds variable k's values for the batch,
    /// all as long as <paramref name="output"/>.
    /// </summary>
    public void Evaluate(ReadOnlySpan<ReadOnlyMemory<double>> columns, Span<double> output)
    {
        var length = output.Length;
        var pool = ArrayPool<double>.Shared;
        var temps = _temporaries == 0 ? [] : new double[_temporaries][];
        try
        {
            for (var t = 0; t < temps.Length; t++) temps[t] = pool.Rent(length);
            foreach (var ins in _plan)
                Execute(ins, columns, temps, length);
            switch (_result.Kind)
            {
                case OperandKind.Constant: output.Fill(_result.Value); break;
                case OperandKind.Column: columns[_result.Index].Span[..length].CopyTo(output); break;
                default: temps[_result.Index].AsSpan(0, length).CopyTo(output); break;
            }
        }
        finally
        {
            foreach (var t in temps) if (t is not null) pool.Return(t);
        }
    }

    private static void Execute(in Instruction ins, ReadOnlySpan<ReadOnlyMemory<double>> columns, double[][] temps, int length)
    {
        var dst = temps[ins.Destination].AsSpan(0, length);
        var a = ins.Left;
        var b = ins.Right;
        switch (ins.Op)
        {
            case Op.Neg: TensorPrimitives.Negate(Read(a, columns, temps, length), dst); return;
            case Op.Exp or Op.Log or Op.Tanh or Op.Sigmoid: Transcendental(ins.Op, Read(a, columns, temps, length), dst); return;
            case Op.Sqrt: TensorPrimitives.Sqrt(Read(a, columns, temps, length), dst); return;
            case Op.Abs: TensorPrimitives.Abs(Read(a, columns, temps, length), dst); return;
        }
        // Binary: at most one side is a constant (constants fold at compile time).
        if (a.Kind == OperandKind.Constant)
        {
            var x = a.Value; var y = Read(b, columns, temps, length);
            switch (ins.Op)
            {
                case Op.Add: TensorPrimitives.Add(y, x, dst); return;
                case Op.Sub: TensorPrimitives.Subtract(x, y, dst); return;
                case Op.Mul: TensorPrimitives.Multiply(y, x, dst); return;
                case Op.Div: TensorPrimitives.Divide(x, y, dst); return;
                case Op.Pow: TensorPrimitives.Pow(x, y, dst); return;
                case Op.Min: TensorPrimitives.Min(y, x, dst); return;
                case Op.Max: TensorPrimitives.Max(y, x, dst); return;
            }
        }
        else if (b.Kind == OperandKind.Constant)
        {
            var x = Read(a, columns, temps, length); var y = b.Value;
            switch (ins.Op)
            {
                case Op.Add: TensorPrimitives.Add(x, y, dst); return;
                case Op.Sub: TensorPrimitives.Subtract(x, y, dst); return;
                case Op.Mul: TensorPrimitives.Multiply(x, y, dst); return;
                case Op.Div: TensorPrimitives.Divide(x, y, dst); return;
                case Op.Pow: PowConstant(x, y, dst); return;
                case Op.Min: TensorPrimitives.Min(x, y, dst); return;
                case Op.Max: TensorPrimitives.Max(x, y, dst); return;
            }
        }
        else
        {
            var x = Read(a, columns, temps, length); var y = Read(b, columns, temps, length);
            switch (ins.Op)
            {
                case Op.Add: TensorPrimitives.Add(x, y, dst); return;
                case Op.Sub: TensorPrimitives.Subtract(x, y, dst); return;
                case Op.Mul: TensorPrimitives.Multiply(x, y, dst); return;
                case Op.Div: TensorPrimitives.Divide(x, y, dst); return;
                case Op.Pow: TensorPrimitives.Pow(x, y, dst); return;
                case Op.Min: TensorPrimitives.Min(x, y, dst); return;
                case Op.Max: TensorPrimitives.Max(x, y, dst); return;
            }
        }
        throw new InvalidOperationException($"unhandled operation {ins.Op}");
    }

    /// <summary>
    /// The AppContext switch a short-lived process sets (before any formula runs) to evaluate exp, log, tanh and
    /// sigmoid element by element through <see cref="Math"/>, compiled optimised at once, instead of
    /// TensorPrimitives' vector code. The vector code is 2-7x faster per value once the runtime has optimised it
    /// (exp 1.9 ns against 6.3, tanh 3.0 against 20.7), but it reaches VectorMath.ExpDouble, which starts
    /// unoptimised and tiers up only when a fresh process stops compiling new methods, seconds later: measured on
    /// the 100k-row mediate job, the precompiled CLI's analysis took 3.7-4.2 s with it (even precompiled for AVX2)
    /// and 1.1-1.7 s without. A long-lived server keeps the vector code. The scalar path equals the row-wise
    /// <see cref="Evaluate(ReadOnlySpan{double})"/> bit for bit; the vector one is within a few units in the last
    /// place, except tanh near 0, where its error is absolute (about 1e-16).
    /// </summary>
    public const string ScalarTranscendentalsSwitch = "OrleansRca.Formula.ScalarTranscendentals";

    private static readonly bool ScalarTranscendentals = AppContext.TryGetSwitch(ScalarTranscendentalsSwitch, out var on) && on;

    private static void Transcendental(Op op, ReadOnlySpan<double> x, Span<double> dst)
    {
        if (ScalarTranscendentals)
        {
            Scalar(op, x, dst);
            return;
        }
        switch (op)
        {
            case Op.Exp: ReproducibleMath.Exp(x, dst); return;
            case Op.Log: TensorPrimitives.Log(x, dst); return;
            case Op.Tanh: ReproducibleMath.Tanh(x, dst); return;
            case Op.Sigmoid: ReproducibleMath.Sigmoid(x, dst); return;
            default: throw new InvalidOperationException($"not a transcendental operation: {op}");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static void Scalar(Op op, ReadOnlySpan<double> x, Span<double> dst)
    {
        dst = dst[..x.Length];
        switch (op)
        {
            case Op.Exp: for (var i = 0; i < x.Length; i++) dst[i] = Math.Exp(x[i]); return;
            case Op.Log: for (var i = 0; i < x.Length; i++) dst[i] = Math.Log(x[i]); return;
            case Op.Tanh: for (var i = 0; i < x.Length; i++) dst[i] = Math.Tanh(x[i]); return;
            case Op.Sigmoid: for (var i = 0; i < x.Length; i++) dst[i] = 1.0 / (1.0 + Math.Exp(-x[i])); return;
            default: throw new InvalidOperationException($"not a transcendental operation: {op}");
        }
    }

    private static ReadOnlySpan<double> Read(in Operand o, ReadOnlySpan<ReadOnlyMemory<double>> columns, double[][] temps, int length) =>
        o.Kind == OperandKind.Column ? columns[o.Index].Span[..length] : temps[o.Index].AsSpan(0, length);

    // x^2 and x^3 are common in models and exact as products; Pow would cost a log and an exp.
    private static void PowConstant(ReadOnlySpan<double> x, double y, Span<double> dst)
    {
        if (y == 2) TensorPrimitives.Multiply(x, x, dst);
        else if (y == 1) x.CopyTo(dst);
        else TensorPrimitives.Pow(x, y, dst);
    }

    internal static double Apply(Op op, double a, double b = 0) => op switch
    {
        Op.Neg => -a,
        Op.Exp => Math.Exp(a),
        Op.Log => Math.Log(a),
        Op.Sqrt => Math.Sqrt(a),
        Op.Abs => Math.Abs(a),
        Op.Tanh => Math.Tanh(a),
        Op.Sigmoid => 1.0 / (1.0 + Math.Exp(-a)),
        Op.Add => a + b,
        Op.Sub => a - b,
        Op.Mul => a * b,
        Op.Div => a / b,
        Op.Pow => b == 2 ? a * a : Math.Pow(a, b),
        Op.Min => Math.Min(a, b),
        Op.Max => Math.Max(a, b),
        _ => throw new InvalidOperationException($"unhandled operation {op}"),
    };

    internal enum Op { Neg, Exp, Log, Sqrt, Abs, Tanh, Sigmoid, Add, Sub, Mul, Div, Pow, Min, Max }

    private enum OperandKind { Constant, Column, Temporary }

    private readonly record struct Operand(OperandKind Kind, double Value, int Index);

    private readonly record struct Instruction(Op Op, int Destination, Operand Left, Operand Right);

    // ---- syntax tree -------------------------------------------------------------------------

    private abstract record Expr
    {
        public abstract double Eval(ReadOnlySpan<double> values);
        public abstract bool Uses(int variable);
    }

    private sealed record Number(double Value) : Expr
    {
        public override double Eval(ReadOnlySpan<double> values) => Value;
        public override bool Uses(int variable) => false;
    }

    private sealed record Variable(int Index) : Expr
    {
        public override double Eval(ReadOnlySpan<double> values) => values[Index];
        public override bool Uses(int variable) => variable == Index;
    }

    private sealed record Call(Op Op, Expr Left, Expr? Right) : Expr
    {
        public override double Eval(ReadOnlySpan<double> values) =>
            Apply(Op, Left.Eval(values), Right?.Eval(values) ?? 0);
        public override bool Uses(int variable) => Left.Uses(variable) || (Right?.Uses(variable) ?? false);
    }

    // ---- compiler: syntax tree to a register plan, folding constants -------------------------

    private sealed class Compiler
    {
        public List<Instruction> Plan { get; } = [];
        public int TemporaryCount { get; private set; }
        private readonly Stack<int> _free = new();

        public Operand Emit(Expr e)
        {
            switch (e)
            {
                case Number n: return new Operand(OperandKind.Constant, n.Value, 0);
                case Variable v: return new Operand(OperandKind.Column, 0, v.Index);
                case Call c:
                    var a = Emit(c.Left);
                    var b = c.Right is null ? default : Emit(c.Right);
                    var unary = c.Right is null;
                    if (a.Kind == OperandKind.Constant && (unary || b.Kind == OperandKind.Constant))
                        return new Operand(OperandKind.Constant, Apply(c.Op, a.Value, b.Value), 0);
                    Release(a);
                    if (!unary) Release(b);
                    var dst = _free.Count > 0 ? _free.Pop() : TemporaryCount++;
                    Plan.Add(new Instruction(c.Op, dst, a, b));
                    return new Operand(OperandKind.Temporary, 0, dst);
                default:
                    throw new InvalidOperationException("unknown expression");
            }
        }

        // A temporary read by this instruction can be its destination (TensorPrimitives allows exact overlap).
        private void Release(Operand o)
        {
            if (o.Kind == OperandKind.Temporary) _free.Push(o.Index);
        }
    }

    // ---- parser ------------------------------------------------------------------------------

    private sealed class Parser(string text, IReadOnlyList<string> variables, string owner)
    {
        private int _pos;

        public Expr ParseAll()
        {
            if (string.IsNullOrWhiteSpace(text))
                throw Error("is empty");
            var e = ParseSum();
            SkipSpace();
            if (_pos < text.Length)
                throw Error($"has an unexpected '{text[_pos]}' at position {_pos + 1}");
            return e;
        }

        private InputException Error(string what) =>
            new($"the formula of node '{owner}' ({text}) {what}");

        private void SkipSpace()
        {
            while (_pos < text.Length && char.IsWhiteSpace(text[_pos])) _pos++;
        }

        private bool Accept(char c)
        {
            SkipSpace();
            if (_pos < text.Length && text[_pos] == c) { _pos++; return true; }
            return false;
        }

        private Expr ParseSum() => ParseLeftAssociative(ParseProduct, ('+', Op.Add), ('-', Op.Sub));

        private Expr ParseProduct() => ParseLeftAssociative(ParseUnary, ('*', Op.Mul), ('/', Op.Div));

        /// <summary>One precedence level of binary operators: operands joined left to right (a - b - c is (a - b) - c).</summary>
        private Expr ParseLeftAssociative(Func<Expr> operand, (char Symbol, Op Op) first, (char Symbol, Op Op) second)
        {
            var left = operand();
            while (true)
            {
                if (Accept(first.Symbol)) left = new Call(first.Op, left, operand());
                else if (Accept(second.Symbol)) left = new Call(second.Op, left, operand());
                else return left;
            }
        }

        private Expr ParseUnary()
        {
            if (Accept('-')) return new Call(Op.Neg, ParseUnary(), null);
            if (Accept('+')) return ParseUnary();
            return ParsePower();
        }

        private Expr ParsePower()
        {
            var baseExpr = ParsePrimary();
            return Accept('^') ? new Call(Op.Pow, baseExpr, ParseUnary()) : baseExpr;
        }

        private Expr ParsePrimary()
        {
            SkipSpace();
            if (_pos >= text.Length) throw Error("ends unexpectedly");
            var c = text[_pos];
            if (c == '(')
            {
                _pos++;
                var inner = ParseSum();
                if (!Accept(')')) throw Error($"misses a ')' at position {_pos + 1}");
                return inner;
            }
            if (char.IsAsciiDigit(c) || c == '.') return ParseNumber();
            if (c == '[')
            {
                var close = text.IndexOf(']', _pos + 1);
                if (close < 0) throw Error($"has an unclosed '[' at position {_pos + 1}");
                var name = text[(_pos + 1)..close];
                _pos = close + 1;
                return ResolveVariable(name);
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                var start = _pos;
                while (_pos < text.Length && (char.IsAsciiLetterOrDigit(text[_pos]) || text[_pos] == '_')) _pos++;
                var name = text[start.._pos];
                SkipSpace();
                if (_pos < text.Length && text[_pos] == '(') return ParseCall(name);
                return ResolveVariable(name);
            }
            throw Error($"has an unexpected '{c}' at position {_pos + 1}");
        }

        private Expr ParseCall(string name)
        {
            if (!FunctionArity.TryGetValue(name, out var arity))
                throw Error($"calls '{name}', which is not an allowed function (allowed: {string.Join(", ", FunctionArity.Keys)})");
            _pos++; // '('
            var args = new List<Expr> { ParseSum() };
            while (Accept(',')) args.Add(ParseSum());
            if (!Accept(')')) throw Error($"misses a ')' after the arguments of '{name}'");
            if (args.Count != arity)
                throw Error($"calls '{name}' with {args.Count} argument(s); it takes {arity}");
            var op = name switch
            {
                "exp" => Op.Exp, "log" => Op.Log, "sqrt" => Op.Sqrt, "abs" => Op.Abs,
                "sigmoid" => Op.Sigmoid, "tanh" => Op.Tanh, "min" => Op.Min, "max" => Op.Max, _ => Op.Pow,
            };
            return new Call(op, args[0], arity == 2 ? args[1] : null);
        }

        private Expr ParseNumber()
        {
            var start = _pos;
            while (_pos < text.Length && (char.IsAsciiDigit(text[_pos]) || text[_pos] == '.')) _pos++;
            if (_pos < text.Length && (text[_pos] == 'e' || text[_pos] == 'E'))
            {
                var save = _pos;
                _pos++;
                if (_pos < text.Length && (text[_pos] == '+' || text[_pos] == '-')) _pos++;
                if (_pos < text.Length && char.IsAsciiDigit(text[_pos]))
                    while (_pos < text.Length && char.IsAsciiDigit(text[_pos])) _pos++;
                else _pos = save;
            }
            var token = text[start.._pos];
            if (!double.TryParse(token, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                throw Error($"has a malformed number '{token}'");
            return new Number(value);
        }

        private Variable ResolveVariable(string name)
        {
            for (var i = 0; i < variables.Count; i++)
                if (string.Equals(variables[i], name, StringComparison.Ordinal)) return new Variable(i);
            throw Error(FunctionArity.ContainsKey(name)
                ? $"uses the function '{name}' without arguments"
                : $"names '{name}', which is not a parent of '{owner}' (parents: {(variables.Count == 0 ? "none" : string.Join(", ", variables))})");
        }
    }
}
