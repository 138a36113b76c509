using System.Text;
using System.Text.Json;

namespace MillionX.Pipeline.Tests.Unit;

/// <summary>
/// <see cref="SharedStrings"/> hands out one string object per repeated value, and always the value's own text:
/// whatever the slot held before, escapes, non-ASCII text, long values, invalid UTF-8, and threads racing on a slot.
/// </summary>
public sealed class SharedStringsTests
{
    /// <summary>Reads <paramref name="json"/>'s one string value both ways: shared, and as <see cref="Utf8JsonReader.GetString"/> gives it.</summary>
    private static (string Shared, string Own) Read(byte[] json)
    {
        var reader = new Utf8JsonReader(json);
        Assert.True(reader.Read());
        var shared = SharedStrings.Read(ref reader);
        return (shared, reader.GetString()!);
    }

    private static byte[] Json(string value) => JsonSerializer.SerializeToUtf8Bytes(value);

    [Fact]
    public void Read_TheSameValueFromTwoRecords_IsOneStringObject()
    {
        var first = Read(Json("Jamdani Shari (Dhakai)")).Shared;
        var second = Read(Json("Jamdani Shari (Dhakai)")).Shared;

        Assert.Equal("Jamdani Shari (Dhakai)", second);
        Assert.Same(first, second);
    }

    [Theory]
    [InlineData("\"shopify\"")]
    [InlineData("\"\"")]
    [InlineData("\"\\u0041BC\"")]
    [InlineData("\"ABC\"")]
    [InlineData("\"\\\"quoted\\\" \\\\ back\\/slash\"")]
    [InlineData("\"জামদানি শাড়ি ১০০%\"")]
    [InlineData("\"\\u099C\\u09BE\\u09AE\\u09A6\\u09BE\\u09A8\\u09BF\"")]
    [InlineData("\"emoji 🎉 \\ud83c\\udf89\"")]
    [InlineData("\"tab\\tline\\nbreak\"")]
    public void Read_AnyValue_IsItsOwnText_EveryTime(string json)
    {
        var bytes = Encoding.UTF8.GetBytes(json);
        for (var i = 0; i < 3; i++)
        {
            var (shared, own) = Read(bytes);
            Assert.Equal(own, shared);
        }
    }

    [Fact]
    public void Read_ALongValue_IsItsOwnTextButNotShared()
    {
        var text = new string('x', SharedStrings.MaxBytes + 1);

        var first = Read(Json(text)).Shared;
        var second = Read(Json(text)).Shared;

        Assert.Equal(text, second);
        Assert.NotSame(first, second);
    }

    [Fact]
    public void Read_InvalidUtf8_ThrowsAsGetStringDoes()
    {
        byte[] json = [(byte)'"', 0xC3, 0x28, (byte)'"'];
        var reader = new Utf8JsonReader(json);
        Assert.True(reader.Read());

        try
        {
            SharedStrings.Read(ref reader);
            Assert.Fail("invalid UTF-8 was read as a string");
        }
        catch (InvalidOperationException)
        {
        }
    }

    /// <summary>
    /// Values that land in the same slot (found by trying, as there are only <see cref="SharedStrings.Slots"/>): each
    /// read gives its own value, however they alternate, from several threads at once.
    /// </summary>
    [Fact]
    public async Task Read_ValuesSharingASlot_EachGetsItsOwnText_AcrossThreads()
    {
        var bySlot = new Dictionary<int, List<string>>();
        for (var i = 0; bySlot.Values.All(v => v.Count < 3); i++)
        {
            var value = $"P-{i}";
            var slot = SharedStrings.SlotOf(Encoding.UTF8.GetBytes(value));
            if (!bySlot.TryGetValue(slot, out var values))
            {
                bySlot[slot] = values = [];
            }

            values.Add(value);
        }

        var colliding = bySlot.Values.First(v => v.Count == 3).Select(v => (Text: v, Json: Json(v))).ToArray();
        var wrong = 0;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(t => Task.Run(() =>
        {
            for (var i = 0; i < 20_000; i++)
            {
                var (text, json) = colliding[(i + t) % colliding.Length];
                if (Read(json).Shared != text)
                {
                    Interlocked.Increment(ref wrong);
                }
            }
        })));

        Assert.Equal(0, wrong);
    }
}
