namespace MillionX.Pipeline.Embedding;

/// <summary>Turns texts into L2-normalised sentence vectors.</summary>
public interface ITextEmbedder : IDisposable
{
    int Dimensions { get; }

    /// <summary>
    /// True when every text runs as an inference of its own (int8: a vector must not depend on its batch-mates), so a
    /// caller gains nothing by batching and can hand each vector over as soon as it is done.
    /// </summary>
    bool OneTextPerRun => false;

    /// <summary>One vector per text, in the input order; the caller chooses batch composition.</summary>
    float[][] Embed(IReadOnlyList<string> texts);

    /// <summary>
    /// One vector per already tokenised text (from <see cref="Tokenize"/>), in the input order: a caller that sorts
    /// batches by length tokenises once and passes the ids here instead of having every text tokenised twice.
    /// </summary>
    float[][] EmbedTokens(IReadOnlyList<int[]> tokenIds);

    /// <summary>Token ids with [CLS]/[SEP], after truncation: what <see cref="EmbedTokens"/> takes.</summary>
    int[] Tokenize(string text);

    /// <summary>Token count (with [CLS]/[SEP], after truncation): what a batch sorts and pads by.</summary>
    int CountTokens(string text);
}
