using System.Runtime.InteropServices;
using Google.Protobuf;
using Onnx;

namespace MillionX.Pipeline.Embedding;

/// <summary>
/// Dynamic int8 quantisation of an ONNX model's MatMul weights, in the graph pattern ONNX Runtime's own
/// <c>quantize_dynamic</c> writes (per_channel, QInt8 weights, MatMulInteger): each float MatMul whose second input is
/// a rank-2 initializer [K, N] becomes
/// <c>DynamicQuantizeLinear(A) → MatMulInteger(A_q, W_q, A_zp, W_zp) → Cast(float) → Mul(·, A_scale × W_scale)</c>.
/// Weights are symmetric int8 with one scale per output column (max |w| / 127, zero point 0); activations are
/// quantised per tensor at run time. ONNX Runtime fuses this pattern into <c>DynamicQuantizeMatMul</c>, which uses the
/// CPU's int8 dot-product instructions (VNNI). One scale per column rather than per matrix keeps all-MiniLM-L6-v2's
/// rankings: a whole-matrix scale measurably swapped close neighbours.
/// </summary>
/// <remarks>
/// The FFN down-projections (weights [4h, h], fed by GELU) of the first half of the layers stay fp32. Their inputs
/// have the widest activation range, and DynamicQuantizeLinear spends one 8-bit scale on the whole tensor. Measured on
/// all-MiniLM-L6-v2 with the gate's 20 texts, one text per run: all 36 matrices int8, lowest cosine to fp32 0.9896
/// (fails the 0.99 gate); these 3 kept fp32 (33 int8), 0.9961 with the documentation top-5 order unchanged; the
/// same 3 from the last layers instead, no better than all 36.
/// </remarks>
public static class Int8Quantizer
{
    private const string QuantDomain = "";

    /// <summary>How many MatMul weight matrices <paramref name="model"/> has that this would quantise.</summary>
    public static int QuantisableMatMuls(ModelProto model)
    {
        var floats = FloatMatrices(model.Graph);
        return model.Graph.Node.Count(n => IsQuantisable(n, floats));
    }

    /// <summary>The MatMul nodes that stay fp32: the first half (in graph order) of the down-projections.</summary>
    internal static HashSet<NodeProto> KeptInFp32(ModelProto model)
    {
        var floats = FloatMatrices(model.Graph);
        var down = model.Graph.Node.Where(n => IsQuantisable(n, floats) && floats[n.Input[1]].Dims[0] > floats[n.Input[1]].Dims[1]).ToList();
        return [.. down.Take(down.Count / 2)];
    }

    /// <summary>Whether the graph already runs integer matrix products (a model quantised elsewhere).</summary>
    public static bool IsQuantised(ModelProto model) =>
        model.Graph.Node.Any(n => n.OpType is "MatMulInteger" or "DynamicQuantizeLinear" or "DynamicQuantizeMatMul" or "QLinearMatMul" or "MatMulIntegerToFloat");

    /// <summary>Quantises <paramref name="model"/> in place; returns how many MatMuls were rewritten.</summary>
    public static int Quantise(ModelProto model)
    {
        var graph = model.Graph;
        var floats = FloatMatrices(graph);
        var keep = KeptInFp32(model);
        var nodes = new List<NodeProto>(graph.Node.Count + 64);
        var quantisedInputs = new Dictionary<string, (string Q, string Scale, string ZeroPoint)>(StringComparer.Ordinal);
        var replaced = new HashSet<string>(StringComparer.Ordinal);
        int count = 0;

        foreach (var node in graph.Node)
        {
            if (!IsQuantisable(node, floats) || keep.Contains(node))
            {
                nodes.Add(node);
                continue;
            }

            string a = node.Input[0], w = node.Input[1], y = node.Output[0];
            var weight = floats[w];
            if (!quantisedInputs.TryGetValue(a, out var qa))
            {
                qa = ($"{a}_quantized", $"{a}_scale", $"{a}_zero_point");
                nodes.Add(Node("DynamicQuantizeLinear", $"{a}_QuantizeLinear", [a], [qa.Q, qa.Scale, qa.ZeroPoint]));
                quantisedInputs[a] = qa;
            }

            var (wq, scales) = QuantiseColumns(weight);
            int k = (int)weight.Dims[0], n = (int)weight.Dims[1];
            graph.Initializer.Add(Tensor($"{w}_quantized", TensorProto.Types.DataType.Int8, [k, n], ByteString.CopyFrom(MemoryMarshal.AsBytes(wq.AsSpan()))));
            graph.Initializer.Add(Tensor($"{w}_scale", TensorProto.Types.DataType.Float, [n], ByteString.CopyFrom(MemoryMarshal.AsBytes(scales.AsSpan()))));
            graph.Initializer.Add(Tensor($"{w}_zero_point", TensorProto.Types.DataType.Int8, [n], ByteString.CopyFrom(new byte[n])));
            replaced.Add(w);

            var prefix = string.IsNullOrEmpty(node.Name) ? y : node.Name;
            nodes.Add(Node("MatMulInteger", $"{prefix}_quant", [qa.Q, $"{w}_quantized", qa.ZeroPoint, $"{w}_zero_point"], [$"{y}_output_quantized"]));
            var cast = Node("Cast", $"{y}_output_quantized_cast", [$"{y}_output_quantized"], [$"{y}_output_quantized_cast_output"]);
            cast.Attribute.Add(new AttributeProto { Name = "to", Type = AttributeProto.Types.AttributeType.Int, I = (long)TensorProto.Types.DataType.Float });
            nodes.Add(cast);
            nodes.Add(Node("Mul", $"{y}_scales_mul", [qa.Scale, $"{w}_scale"], [$"{y}_scales_mul_output"]));
            nodes.Add(Node("Mul", $"{y}_output_scale_mul", [$"{y}_output_quantized_cast_output", $"{y}_scales_mul_output"], [y]));
            count++;
        }

        graph.Node.Clear();
        graph.Node.AddRange(nodes);

        // The float weights are gone from the graph unless something else still reads them.
        var stillRead = new HashSet<string>(graph.Node.SelectMany(n => n.Input), StringComparer.Ordinal);
        var initializers = graph.Initializer.Where(i => !replaced.Contains(i.Name) || stillRead.Contains(i.Name)).ToList();
        graph.Initializer.Clear();
        graph.Initializer.AddRange(initializers);

        // DynamicQuantizeLinear and MatMulInteger are opset 10+ in the default domain.
        foreach (var opset in model.OpsetImport.Where(o => o.Domain is "" or "ai.onnx" && o.Version < 11))
        {
            opset.Version = 11;
        }

        return count;
    }

    /// <summary>Symmetric per-column int8: scale[n] = max_k |W[k, n]| / 127, q = round(W / scale).</summary>
    internal static (sbyte[] Quantised, float[] Scales) QuantiseColumns(TensorProto weight)
    {
        int k = (int)weight.Dims[0], n = (int)weight.Dims[1];
        var w = ReadFloats(weight);
        var scales = new float[n];
        for (int r = 0; r < k; r++)
        {
            var row = w.AsSpan(r * n, n);
            for (int c = 0; c < n; c++)
            {
                scales[c] = MathF.Max(scales[c], MathF.Abs(row[c]));
            }
        }

        for (int c = 0; c < n; c++)
        {
            scales[c] = scales[c] > 0 ? scales[c] / 127f : 1f;
        }

        var q = new sbyte[k * n];
        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < n; c++)
            {
                q[r * n + c] = (sbyte)Math.Clamp(MathF.Round(w[r * n + c] / scales[c], MidpointRounding.ToEven), -127, 127);
            }
        }

        return (q, scales);
    }

    private static float[] ReadFloats(TensorProto t)
    {
        if (!t.RawData.IsEmpty)
        {
            return MemoryMarshal.Cast<byte, float>(t.RawData.Span).ToArray();
        }

        return [.. t.FloatData];
    }

    private static Dictionary<string, TensorProto> FloatMatrices(GraphProto graph) =>
        graph.Initializer
            .Where(i => i.DataType == (int)TensorProto.Types.DataType.Float && i.Dims.Count == 2 && i.Dims[0] > 0 && i.Dims[1] > 0)
            .ToDictionary(i => i.Name, StringComparer.Ordinal);

    private static bool IsQuantisable(NodeProto node, Dictionary<string, TensorProto> floats) =>
        node.OpType == "MatMul" && node.Domain is "" or "ai.onnx" && node.Input.Count == 2 && floats.ContainsKey(node.Input[1]);

    private static NodeProto Node(string op, string name, string[] inputs, string[] outputs)
    {
        var node = new NodeProto { OpType = op, Name = name, Domain = QuantDomain };
        node.Input.AddRange(inputs);
        node.Output.AddRange(outputs);
        return node;
    }

    private static TensorProto Tensor(string name, TensorProto.Types.DataType type, long[] dims, ByteString raw)
    {
        var t = new TensorProto { Name = name, DataType = (int)type, RawData = raw };
        t.Dims.AddRange(dims);
        return t;
    }
}
