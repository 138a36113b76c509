using System.Numerics.Tensors;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace MillionX.Pipeline.Embedding;

/// <summary>
/// Sentence embeddings from a BERT-style ONNX model (all-MiniLM-L6-v2): tokenise, pad the batch to its longest
/// text, run, mean-pool <c>last_hidden_state</c> over the attention mask, L2-normalise. This is what
/// sentence-transformers does for the model, so vectors match the Python pipeline's for the same weights.
/// </summary>
/// <remarks>
/// Calls are serialised: parallelism comes from ONNX Runtime's intra-op threads, which on a small machine is
/// faster than concurrent runs competing for the same cores. Input buffers are reused between calls.
/// A dynamically quantised (int8) model runs one text per inference: DynamicQuantizeLinear picks one scale for the
/// whole activation tensor, so in a padded batch a text's vector would depend on its batch-mates (measured: cosine
/// 0.992 between a text embedded alone and in a batch). One text per run makes every vector a function of its text
/// alone and wastes no padding; it costs throughput on long texts (measured on ~104-token texts: 115-141 texts/s
/// against 185-194 for length-sorted batches of 32; on ~62-token texts the two were even). Per-row activation scales
/// would give both.
/// </remarks>
public sealed class OnnxTextEmbedder : ITextEmbedder
{
    private const string InputIds = "input_ids", AttentionMask = "attention_mask", TokenTypeIds = "token_type_ids";

    private readonly InferenceSession _session;
    private readonly MiniLmTokenizer _tokenizer;
    private readonly string[] _inputNames;
    private readonly string[] _outputNames;
    private readonly bool _feedTokenTypes;
    private readonly bool _oneTextPerRun;
    private readonly RunOptions _runOptions = new();
    private readonly Lock _gate = new();
    private long[] _ids = [], _mask = [], _types = [];

    public OnnxTextEmbedder(string modelPath, MiniLmTokenizer tokenizer, int intraOpThreads = 2, bool intraOpSpinning = false, bool oneTextPerRun = false)
    {
        _tokenizer = tokenizer;
        _oneTextPerRun = oneTextPerRun;
        using var sessionOptions = new Microsoft.ML.OnnxRuntime.SessionOptions
        {
            IntraOpNumThreads = intraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", intraOpSpinning ? "1" : "0");
        try
        {
            _session = new InferenceSession(modelPath, sessionOptions);
        }
        catch (OnnxRuntimeException e)
        {
            throw new ModelLoadException(
                $"ONNX Runtime cannot load '{modelPath}': {e.Message}. Check that Embedding:ModelPath / Embedding:ModelUrl name an ONNX model file.", e);
        }

        try
        {
            var inputs = _session.InputMetadata;
            foreach (var required in new[] { InputIds, AttentionMask })
            {
                if (!inputs.TryGetValue(required, out var meta) || meta.ElementDataType != TensorElementType.Int64)
                {
                    throw new ModelLoadException(
                        $"The model '{modelPath}' has no int64 input '{required}' (inputs: {string.Join(", ", inputs.Keys)}); it is not a BERT sentence-embedding export. Check Embedding:ModelPath / Embedding:ModelUrl.");
                }
            }

            // Some exports drop token_type_ids; feeding an input the graph does not declare is an error.
            _feedTokenTypes = inputs.ContainsKey(TokenTypeIds);
            _inputNames = _feedTokenTypes ? [InputIds, AttentionMask, TokenTypeIds] : [InputIds, AttentionMask];

            var outputs = _session.OutputMetadata;
            var output = outputs.ContainsKey("last_hidden_state") ? "last_hidden_state" : outputs.Keys.First();
            _outputNames = [output];
            var dims = outputs[output].Dimensions;
            if (dims.Length != 3)
            {
                throw new ModelLoadException(
                    $"The model '{modelPath}' output '{output}' has rank {dims.Length}, not [batch, sequence, hidden]. Check Embedding:ModelPath / Embedding:ModelUrl.");
            }

            // A symbolic hidden size (-1) is read from a probe run instead.
            Dimensions = dims[2] > 0 ? dims[2] : Embed([""])[0].Length;
        }
        catch
        {
            _session.Dispose();
            _runOptions.Dispose();
            throw;
        }
    }

    /// <summary>Loads the resolved model with the options' threads and token limit; int8 runs one text per inference.</summary>
    public static OnnxTextEmbedder Create(ResolvedModel model, EmbeddingOptions options) =>
        new(model.ModelPath, new MiniLmTokenizer(model.VocabPath, options.MaxTokens), options.IntraOpThreads, options.IntraOpSpinning,
            oneTextPerRun: model.Precision == EmbeddingOptions.Int8Precision);

    /// <summary>Whether each text runs alone (int8), so its vector never depends on the other texts of a call.</summary>
    public bool OneTextPerRun => _oneTextPerRun;

    public int Dimensions { get; private set; }

    public MiniLmTokenizer Tokenizer => _tokenizer;

    public int CountTokens(string text) => _tokenizer.CountTokens(text);

    public int[] Tokenize(string text) => _tokenizer.Encode(text);

    public float[][] Embed(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        var encoded = new int[texts.Count][];
        for (int i = 0; i < texts.Count; i++)
        {
            encoded[i] = _tokenizer.Encode(texts[i]);
        }

        return EmbedTokens(encoded);
    }

    public float[][] EmbedTokens(IReadOnlyList<int[]> tokenIds)
    {
        ArgumentNullException.ThrowIfNull(tokenIds);
        if (tokenIds.Count == 0)
        {
            return [];
        }

        int longest = 0;
        for (int i = 0; i < tokenIds.Count; i++)
        {
            var ids = tokenIds[i];
            if (ids is null || ids.Length < 2 || ids.Length > _tokenizer.MaxTokens)
            {
                throw new ArgumentException($"Token sequence {i} is not a tokenised text (1 to {_tokenizer.MaxTokens - 2} pieces between [CLS] and [SEP]).", nameof(tokenIds));
            }

            longest = Math.Max(longest, ids.Length);
        }

        lock (_gate)
        {
            if (!_oneTextPerRun || tokenIds.Count == 1)
            {
                return Run(tokenIds, longest);
            }

            var vectors = new float[tokenIds.Count][];
            for (int i = 0; i < tokenIds.Count; i++)
            {
                vectors[i] = Run([tokenIds[i]], tokenIds[i].Length)[0];
            }

            return vectors;
        }
    }

    private float[][] Run(IReadOnlyList<int[]> encoded, int sequence)
    {
        int batch = encoded.Count, size = batch * sequence;
        if (_ids.Length < size)
        {
            // Grown once to the largest batch seen, as ORT's own arena is.
            _ids = new long[size];
            _mask = new long[size];
            _types = new long[size];
        }

        var ids = _ids.AsSpan(0, size);
        var mask = _mask.AsSpan(0, size);
        ids.Clear();
        mask.Clear();
        for (int b = 0; b < batch; b++)
        {
            var row = encoded[b];
            for (int t = 0; t < row.Length; t++)
            {
                ids[b * sequence + t] = row[t];
                mask[b * sequence + t] = 1;
            }
        }

        if (_feedTokenTypes)
        {
            _types.AsSpan(0, size).Clear();
        }

        long[] shape = [batch, sequence];
        using var idsValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _ids.AsMemory(0, size), shape);
        using var maskValue = OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _mask.AsMemory(0, size), shape);
        using var typesValue = _feedTokenTypes ? OrtValue.CreateTensorValueFromMemory(OrtMemoryInfo.DefaultInstance, _types.AsMemory(0, size), shape) : null;
        OrtValue[] inputs = typesValue is null ? [idsValue, maskValue] : [idsValue, maskValue, typesValue];

        using var outputs = _session.Run(_runOptions, _inputNames, inputs, _outputNames);
        var hidden = outputs[0].GetTensorDataAsSpan<float>();
        int dim = hidden.Length / size;

        var vectors = new float[batch][];
        for (int b = 0; b < batch; b++)
        {
            // Padding is on the right, so the mask of row b is exactly its first encoded[b].Length positions.
            int length = encoded[b].Length;
            var vector = new float[dim];
            var rows = hidden.Slice(b * sequence * dim, length * dim);
            for (int t = 0; t < length; t++)
            {
                TensorPrimitives.Add(vector, rows.Slice(t * dim, dim), vector);
            }

            TensorPrimitives.Divide(vector, length, vector);
            float norm = TensorPrimitives.Norm<float>(vector);
            TensorPrimitives.Divide(vector, MathF.Max(norm, 1e-12f), vector);
            vectors[b] = vector;
        }

        return vectors;
    }

    public void Dispose()
    {
        _session.Dispose();
        _runOptions.Dispose();
    }
}
