using MillionX.Pipeline.VectorStore;
using Xunit.Abstractions;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class QuantisedVectorIndexTests(ITestOutputHelper output)
{
    private static float[] Random384(Random rng)
    {
        var v = new float[384];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = (float)(rng.NextDouble() - 0.5);
        }

        return v;
    }

    /// <summary>The exact cosine in double precision: the reference the index and the store are held to.</summary>
    internal static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    [Fact]
    public void Candidates_RandomAndClusteredVectors_HoldTheExactTopTenAndFewOthers()
    {
        var rng = new Random(5);
        var vectors = new List<float[]>();
        var index = new QuantisedVectorIndex(384);
        for (int i = 0; i < 20_000; i++)
        {
            // Every fifth vector is a near-copy of an earlier one (scaled, nudged): close scores are where rounding bites.
            var v = i % 5 == 4 ? vectors[rng.Next(vectors.Count)].Select(x => x * 3.5f + (float)(rng.NextDouble() - 0.5) * 0.01f).ToArray() : Random384(rng);
            vectors.Add(v);
            index.Set($"id-{i}", i % 2 == 0 ? "tiktok" : "facebook", v, i);
        }

        for (int q = 0; q < 20; q++)
        {
            var query = q % 2 == 0 ? Random384(rng) : vectors[rng.Next(vectors.Count)];
            var platform = q % 3 == 0 ? "facebook" : null;
            var exact = Enumerable.Range(0, vectors.Count)
                .Where(i => platform is null || i % 2 == 1)
                .OrderByDescending(i => Cosine(query, vectors[i])).Take(10).Select(i => $"id-{i}").ToList();

            var candidates = index.Candidates(query, 10, platform)!;
            Assert.Subset(candidates.ToHashSet(), exact.ToHashSet());
            Assert.InRange(candidates.Count, 10, 200); // the point: DuckDB scores a few hundred rows at most, not 20,000
            Assert.All(candidates, id => Assert.True(platform is null || int.Parse(id[3..], CultureInfo.InvariantCulture) % 2 == 1));
        }
    }

    [Fact]
    public void Candidates_100kRandomUnitVectors_AFewDozenRowsForTopTen()
    {
        // The bench's case: what DuckDB is left to score decides the search time.
        var rng = new Random(21);
        var index = new QuantisedVectorIndex(384);
        for (int i = 0; i < 100_000; i++)
        {
            var v = Random384(rng);
            System.Numerics.Tensors.TensorPrimitives.Divide(v, System.Numerics.Tensors.TensorPrimitives.Norm<float>(v), v);
            index.Set($"v{i}", i % 2 == 0 ? "tiktok" : "facebook", v, i);
        }

        var counts = Enumerable.Range(0, 20).Select(_ => index.Candidates(Random384(rng), 10, null)!.Count).ToList();
        output.WriteLine($"candidates for top-10 of 100,000: {string.Join(", ", counts)}");
        Assert.All(counts, c => Assert.InRange(c, 10, 100));
    }

    [Fact]
    public void Set_SameIdAgain_ReplacesTheVectorAndKeepsCountAndSum()
    {
        var rng = new Random(9);
        var index = new QuantisedVectorIndex(384);
        var first = Random384(rng);
        var second = Random384(rng);
        index.Set("a", "tiktok", first, 100);
        index.Set("b", "tiktok", Random384(rng), 200);
        index.Set("a", "facebook", second, 300);

        Assert.Equal(2, index.Count);
        Assert.Equal((Int128)500, index.WrittenAtSum);
        Assert.Equal("a", index.Candidates(second, 1, "facebook")!.Single());
        Assert.Empty(index.Candidates(first, 1, "instagram")!);
        Assert.DoesNotContain("a", index.Candidates(second, 1, "tiktok")!);
    }

    [Fact]
    public void Candidates_FewerRowsThanTop_AllRowsAndZeroVectorsAlways()
    {
        var index = new QuantisedVectorIndex(384);
        Assert.Empty(index.Candidates(Random384(new Random(1)), 10, null)!);

        var rng = new Random(3);
        index.Set("zero", "tiktok", new float[384], 1);
        for (int i = 0; i < 50; i++)
        {
            index.Set($"v{i}", "tiktok", Random384(rng), 1);
        }

        // DuckDB scores a zero vector NaN, which a descending sort puts first: the index cannot rule it out.
        var candidates = index.Candidates(Random384(rng), 3, null)!;
        Assert.Contains("zero", candidates);
        Assert.True(candidates.Count < 51);
        Assert.Equal(51, index.Candidates(Random384(rng), 100, null)!.Count);
        Assert.Null(index.Candidates(new float[384], 3, null)); // a zero query cannot be bounded: the store scans everything
    }
}
