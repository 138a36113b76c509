using MillionX.Pipeline.Stages.DarazSync;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class DarazSignerTests
{
    /// <summary>The worked example of the Lazada/Daraz Open Platform signature documentation (GetOrder, secret "helloworld").</summary>
    private static readonly KeyValuePair<string, string>[] DocumentedParameters =
    [
        new("app_key", "123456"),
        new("access_token", "test"),
        new("timestamp", "1517820392000"),
        new("sign_method", "sha256"),
        new("order_id", "1234"),
    ];

    [Fact]
    public void StringToSign_DocumentedExample_IsPathThenSortedNameValuePairs()
    {
        Assert.Equal(
            "/order/getaccess_tokentestapp_key123456order_id1234sign_methodsha256timestamp1517820392000",
            DarazSigner.StringToSign("/order/get", DocumentedParameters));
    }

    [Fact]
    public void Sign_DocumentedExample_MatchesPublishedSignature()
    {
        Assert.Equal("4190D32361CFB9581350222F345CB77F3B19F0E31D162316848A2C1FFD5FAB4A", DarazSigner.Sign("/order/get", DocumentedParameters, "helloworld"));
    }

    [Fact]
    public void Sign_ParametersInAnyOrderWithSignPresent_SameSignature()
    {
        var shuffled = DocumentedParameters.Reverse().Append(new("sign", "IGNORED")).ToArray();
        Assert.Equal(DarazSigner.Sign("/order/get", DocumentedParameters, "helloworld"), DarazSigner.Sign("/order/get", shuffled, "helloworld"));
    }

    [Fact]
    public void Sign_OrdersGetWithTimesAndJsonArray_MatchesIndependentComputation()
    {
        KeyValuePair<string, string>[] parameters =
        [
            new("app_key", "501234"), new("access_token", "test-access-token-not-a-real-one"),
            new("timestamp", "1795500000000"), new("sign_method", "sha256"), new("update_after", "2026-11-20T10:00:00+06:00"),
            new("update_before", "2026-11-24T15:00:00+00:00"), new("sort_by", "updated_at"), new("sort_direction", "ASC"),
            new("offset", "0"), new("limit", "100"), new("order_ids", "[1001,1002]"), new("note", "ঢাকা & co"),
        ];
        var sign = DarazSigner.Sign("/orders/get", parameters, "s3cr3t-ঢাকা");
        Assert.Equal(FakeDaraz.ExpectedSign("/orders/get", parameters, "s3cr3t-ঢাকা"), sign);
        Assert.Matches("^[0-9A-F]{64}$", sign);
    }

    [Fact]
    public void Sign_DifferentSecretOrPath_DifferentSignature()
    {
        var sign = DarazSigner.Sign("/order/get", DocumentedParameters, "helloworld");
        Assert.NotEqual(sign, DarazSigner.Sign("/order/get", DocumentedParameters, "helloworld2"));
        Assert.NotEqual(sign, DarazSigner.Sign("/orders/get", DocumentedParameters, "helloworld"));
    }
}
