using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace MillionX.Pipeline.DeadLetters;

/// <summary>
/// Makes a dead letter's payload safe to print: fields that are personal data (usernames, customer phones) become
/// keyed hashes, and phones, e-mails and @mentions inside any text become <c>PHONE_/EMAIL_/USER_&lt;hash&gt;</c>
/// (<see cref="PiiScrubber"/>). Works on payloads that are not valid JSON too, since those are what dead letters hold.
/// Pure apart from the hash key.
/// </summary>
public sealed partial class DeadLetterMasking(PiiScrubber scrubber)
{
    /// <summary>Samples are cut to this many characters after masking.</summary>
    public const int MaxChars = 600;

    private static readonly HashSet<string> UserFields = new(StringComparer.OrdinalIgnoreCase) { "author_username", "username", "author" };
    private static readonly HashSet<string> ContactFields = new(StringComparer.OrdinalIgnoreCase) { "customer_phone", "phone", "email", "customer_email" };

    // For payloads that do not parse: a known personal field's string value, however broken the rest is.
    [GeneratedRegex("\"(author_username|username|author|customer_phone|phone|email|customer_email)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"?", RegexOptions.CultureInvariant | RegexOptions.IgnoreCase)]
    private static partial Regex PersonalField();

    public string Mask(ReadOnlySpan<byte> payload)
    {
        // Bytes that are not UTF-8 become U+FFFD; a masked sample is for reading, not for replay.
        var text = Encoding.UTF8.GetString(payload);
        string masked;
        try
        {
            var node = JsonNode.Parse(text);
            masked = node is null ? "null" : MaskNode(node, null).ToJsonString();
        }
        catch (JsonException)
        {
            masked = MaskText(text);
        }

        return masked.Length > MaxChars ? masked[..MaxChars] + $"... ({masked.Length} chars)" : masked;
    }

    /// <summary>Masks free text that should hold no personal data (an origin, a key, a log line), in case it does.</summary>
    public string MaskPlain(string? text) => text is null ? "" : scrubber.Scrub(text);

    /// <summary>Validation errors with their messages masked: a message may quote the bad value, a phone or an e-mail.</summary>
    public IReadOnlyList<ValidationError> MaskErrors(IEnumerable<ValidationError> errors) =>
        errors.Select(e => e with { Message = scrubber.Scrub(e.Message) }).ToList();

    private JsonNode MaskNode(JsonNode node, string? field)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (name, child) in o.ToList())
                {
                    if (child is not null)
                    {
                        o[name] = MaskNode(child.DeepClone(), name);
                    }
                }

                return o;
            case JsonArray a:
                for (var i = 0; i < a.Count; i++)
                {
                    if (a[i] is { } child)
                    {
                        a[i] = MaskNode(child.DeepClone(), field);
                    }
                }

                return a;
            case JsonValue v when field is not null && (UserFields.Contains(field) || ContactFields.Contains(field)):
                // Whatever its type: a number can be a phone too.
                var raw = v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : v.ToJsonString();
                return JsonValue.Create(HashField(field, raw));
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return JsonValue.Create(scrubber.Scrub(v.GetValue<string>()));
            default:
                return node;
        }
    }

    private string HashField(string field, string value) =>
        UserFields.Contains(field) ? "USER_" + scrubber.Hasher.HashUser(value) : "CONTACT_" + scrubber.HashContact(value);

    private string MaskText(string text)
    {
        var fields = PersonalField().Replace(text, m =>
            $"\"{m.Groups[1].Value}\":\"{HashField(m.Groups[1].Value, m.Groups[2].Value)}\"");
        return scrubber.Scrub(fields);
    }
}
