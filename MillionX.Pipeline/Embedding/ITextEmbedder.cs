namespace MillionX.Pipeline.Embedding;

/// <summary>Turns texts into L2-normalised sentence vectors.</summary>
public interface ITextEmbedder : IDisposable
{
    int Dimensions { get; }

    /// <summary>One vector per text, in the input order; the caller chooses batch composition.</summary>
    float[][] Embed(IReadOnlyList<string> texts);

    /// <summary>Token count (with [CLS]/[SEP], after truncation): what a batch sorts and pads by.</summary>
    int CountTokens(string text);
}
