using System.ComponentModel.DataAnnotations;
using MillionX.Pipeline.Warehouse.Snowflake;

namespace MillionX.Pipeline.Tests.Unit;

public sealed class SnowflakeOptionsTests
{
    [Fact]
    public void Validate_Defaults_WithCredentials_AreValid() => Assert.Empty(Errors(Valid()));

    [Theory]
    [InlineData(-1, 30_000, 60_000, "InitialBackoff")]
    [InlineData(5_000, 1_000, 60_000, "MaxBackoff")]
    [InlineData(500, 30_000, 5, "HttpTimeout")]
    [InlineData(500, 30_000, 0, "HttpTimeout")]
    public void Validate_RetryTimings_TheResilienceHandlerCannotTake_NameTheSetting(int initialMs, int maxMs, int timeoutMs, string setting)
    {
        var o = Valid();
        o.InitialBackoff = TimeSpan.FromMilliseconds(initialMs);
        o.MaxBackoff = TimeSpan.FromMilliseconds(maxMs);
        o.HttpTimeout = TimeSpan.FromMilliseconds(timeoutMs);

        Assert.Contains(Errors(o), e => e.Contains(setting, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("Database", "MILLIONX; DROP TABLE ORDERS")]
    [InlineData("Database", "")]
    [InlineData("Schema", "RAW DATA")]
    [InlineData("Schema", "1RAW")]
    [InlineData("MigrateFromSchema", "PUBLIC.X")]
    public void Validate_DatabaseOrSchemaThatIsNoPlainIdentifier_NamesTheSetting(string setting, string value)
    {
        // They are written into the DDL and the migration's ALTER statements, so nothing but an unquoted identifier.
        var o = Valid();
        typeof(SnowflakeOptions).GetProperty(setting)!.SetValue(o, value);

        Assert.Contains(Errors(o), e => e.Contains($"Warehouse:Snowflake:{setting}", StringComparison.Ordinal));
        Assert.Empty(Errors(Valid()));
        Assert.Equal(("RAW_DATA", "PUBLIC"), (Valid().Schema, Valid().MigrateFromSchema));
    }

    [Fact]
    public void Validate_NoMigrationSchema_IsValid()
    {
        var o = Valid();
        o.MigrateFromSchema = "";

        Assert.Empty(Errors(o));
    }

    private static SnowflakeOptions Valid() => new()
    {
        AccountUrl = "https://myorg-myaccount.snowflakecomputing.com",
        Account = "MYORG-MYACCOUNT",
        User = "LOADER",
        PrivateKey = "-----BEGIN PRIVATE KEY-----\n(not parsed by validation)\n-----END PRIVATE KEY-----",
    };

    private static List<string> Errors(SnowflakeOptions o) => [.. o.Validate(new ValidationContext(o)).Select(r => r.ErrorMessage!)];
}
