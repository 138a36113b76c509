using System.Runtime.InteropServices;
using Google.Protobuf;
using MillionX.Pipeline.Embedding;
using Onnx;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class Int8QuantizerTests
{
    private static TensorProto Matrix(string name, int k, int n, Func<int, int, float> value)
    {
        var data = new float[k * n];
        for (int r = 0; r < k; r++)
        {
            for (int c = 0; c < n; c++)
            {
                data[r * n + c] = value(r, c);
            }
        }

        var t = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, RawData = ByteString.CopyFrom(MemoryMarshal.AsBytes(data.AsSpan())) };
        t.Dims.AddRange([k, n]);
        return t;
    }

    [Fact]
    public void QuantiseColumns_OneScalePerOutputColumn_ErrorWithinHalfAStep()
    {
        // Column c spans [-(c+1), c+1]: a per-matrix scale would waste most of the small columns' range.
        var w = Matrix("w", 7, 3, (r, c) => (c + 1) * (r - 3) / 3f + 0.013f * r);
        var values = MemoryMarshal.Cast<byte, float>(w.RawData.Span).ToArray();

        var (q, scales) = Int8Quantizer.QuantiseColumns(w);

        for (int c = 0; c < 3; c++)
        {
            float max = Enumerable.Range(0, 7).Max(r => MathF.Abs(values[r * 3 + c]));
            Assert.Equal(max / 127f, scales[c], 6);
            for (int r = 0; r < 7; r++)
            {
                Assert.InRange(q[r * 3 + c], -127, 127);
                Assert.True(MathF.Abs(q[r * 3 + c] * scales[c] - values[r * 3 + c]) <= scales[c] / 2 + 1e-6f);
            }
        }

        Assert.Contains(q, v => v == 127 || v == -127);
    }

    [Fact]
    public void Quantise_TwoLayerGraph_RewritesMatMulsInOrtPatternAndKeepsEarlyDownProjectionFp32()
    {
        var model = new ModelProto { IrVersion = 7, Graph = new GraphProto() };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = 13 });
        var g = model.Graph;
        // Per layer: up [4, 16] then down [16, 4]; two layers, so one down-projection (the first) stays fp32.
        string x = "x";
        for (int layer = 0; layer < 2; layer++)
        {
            g.Initializer.Add(Matrix($"up{layer}", 4, 16, (r, c) => r - c * 0.1f));
            g.Initializer.Add(Matrix($"down{layer}", 16, 4, (r, c) => r * 0.01f - c));
            var up = new NodeProto { OpType = "MatMul", Name = $"up{layer}" };
            up.Input.AddRange([x, $"up{layer}"]);
            up.Output.Add($"h{layer}");
            var down = new NodeProto { OpType = "MatMul", Name = $"down{layer}" };
            down.Input.AddRange([$"h{layer}", $"down{layer}"]);
            down.Output.Add($"y{layer}");
            g.Node.AddRange([up, down]);
            x = $"y{layer}";
        }

        Assert.Equal(4, Int8Quantizer.QuantisableMatMuls(model));

        var rewritten = Int8Quantizer.Quantise(model);

        Assert.Equal(3, rewritten);
        Assert.True(Int8Quantizer.IsQuantised(model));
        Assert.Equal(1, Int8Quantizer.QuantisableMatMuls(model));
        var stillFloat = Assert.Single(g.Node, n => n.OpType == "MatMul");
        Assert.Equal("down0", stillFloat.Name);
        Assert.Equal(3, g.Node.Count(n => n.OpType == "MatMulInteger"));
        Assert.Equal(3, g.Node.Count(n => n.OpType == "DynamicQuantizeLinear"));
        Assert.Equal(3, g.Node.Count(n => n.OpType == "Cast"));
        Assert.Equal(6, g.Node.Count(n => n.OpType == "Mul"));
        // The rewritten MatMuls still produce their original outputs, so the rest of the graph is untouched.
        Assert.Equal(["h0", "h1", "y0", "y1"], g.Node.SelectMany(n => n.Output).Where(o => o is "h0" or "h1" or "y0" or "y1").Order());
        Assert.DoesNotContain(g.Initializer, i => i.Name is "up0" or "up1" or "down1");
        Assert.Contains(g.Initializer, i => i.Name == "down0");
        Assert.All(g.Initializer.Where(i => i.Name.EndsWith("_quantized", StringComparison.Ordinal)), i => Assert.Equal((int)TensorProto.Types.DataType.Int8, i.DataType));
    }
}
