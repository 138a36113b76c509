namespace MillionX.Pipeline.Warehouse.Snowflake;

/// <summary><c>Warehouse:Snowflake</c>: the SQL API v2 endpoint and key-pair credentials (the private key from a file or the environment).</summary>
public sealed class SnowflakeOptions : IValidatableObject
{
    /// <summary>e.g. https://myorg-myaccount.snowflakecomputing.com</summary>
    public string AccountUrl { get; set; } = "";

    /// <summary>Account identifier for the JWT issuer, e.g. MYORG-MYACCOUNT (upper-cased; any region suffix after a dot is dropped).</summary>
    public string Account { get; set; } = "";

    public string User { get; set; } = "";

    /// <summary>PEM file of the user's RSA private key (PKCS#8), or put the PEM itself in <see cref="PrivateKey"/> (env Warehouse__Snowflake__PrivateKey).</summary>
    public string PrivateKeyPath { get; set; } = "";

    public string PrivateKey { get; set; } = "";

    /// <summary>Passphrase of an encrypted PKCS#8 key.</summary>
    public string PrivateKeyPassphrase { get; set; } = "";

    public string Database { get; set; } = "MILLIONX";

    /// <summary>The plan's schema for the raw tables.</summary>
    public string Schema { get; set; } = "RAW_DATA";

    /// <summary>
    /// Where earlier versions created the tables (their default schema, PUBLIC): at start, a warehouse table found
    /// there and not in <see cref="Schema"/> is moved over (ALTER TABLE ... RENAME TO); empty turns the move off.
    /// </summary>
    public string MigrateFromSchema { get; set; } = "PUBLIC";

    public string Warehouse { get; set; } = "";

    public string Role { get; set; } = "";

    /// <summary>Rows in one MERGE's VALUES list.</summary>
    [Range(1, 16_384)]
    public int MaxRowsPerStatement { get; set; } = 16_384;

    /// <summary>Bound values in one statement (rows x columns): Snowflake caps a statement's expression list at 16,384.</summary>
    [Range(1, 16_384)]
    public int MaxBindingsPerStatement { get; set; } = 16_384;

    /// <summary>Request size ceiling (SQL text plus bindings); Snowflake recommends about 1 MB.</summary>
    [Range(10_000, 16_000_000)]
    public int MaxStatementBytes { get; set; } = 1_000_000;

    [Range(1, 86_400)]
    public int StatementTimeoutSeconds { get; set; } = 300;

    /// <summary>
    /// Attempts per request (a statement, or one status poll) for 429, 5xx, failed connections and timeouts, made by
    /// the HttpClient's resilience handler; a statement is resent with the same requestId and <c>retry=true</c>, so a
    /// retry cannot apply twice.
    /// </summary>
    [Range(1, 100)]
    public int MaxAttempts { get; set; } = 8;

    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromSeconds(30);

    public TimeSpan PollInterval { get; set; } = TimeSpan.FromMilliseconds(500);

    public TimeSpan HttpTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>For the cost estimate: credits per hour of the warehouse size (X-Small = 1).</summary>
    [Range(0.0, 1000.0)]
    public double CreditsPerHour { get; set; } = 1;

    [Range(0.0, 1000.0)]
    public double UsdPerCredit { get; set; } = 3;

    /// <summary>The warehouse's AUTO_SUSPEND; a statement after a longer pause pays the 60 s minimum of a resume.</summary>
    public TimeSpan AutoSuspend { get; set; } = TimeSpan.FromSeconds(60);

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (!Uri.TryCreate(AccountUrl, UriKind.Absolute, out var uri) || uri.Scheme is not ("https" or "http"))
        {
            yield return new("Warehouse:Snowflake:AccountUrl must be an absolute URL such as https://myorg-myaccount.snowflakecomputing.com.");
        }

        if (string.IsNullOrWhiteSpace(Account) || string.IsNullOrWhiteSpace(User))
        {
            yield return new("Warehouse:Snowflake:Account and Warehouse:Snowflake:User are required for key-pair authentication.");
        }

        // Database and schemas are written into the DDL and the migration's statements, so only unquoted identifiers.
        foreach (var (key, value, optional) in new[] { ("Database", Database, false), ("Schema", Schema, false), ("MigrateFromSchema", MigrateFromSchema, true) })
        {
            if (!(optional && value.Length == 0) && !System.Text.RegularExpressions.Regex.IsMatch(value, "^[A-Za-z_][A-Za-z0-9_$]{0,254}$"))
            {
                yield return new($"Warehouse:Snowflake:{key} '{value}' must be an unquoted identifier (letters, digits, _ and $; not starting with a digit).");
            }
        }

        if (InitialBackoff < TimeSpan.Zero || MaxBackoff < InitialBackoff || MaxBackoff > TimeSpan.FromDays(1))
        {
            yield return new("Warehouse:Snowflake: InitialBackoff must not be negative and MaxBackoff at least InitialBackoff (at most 1 day).");
        }

        // The resilience handler's per-attempt timeout takes 10 ms to a day.
        if (HttpTimeout < TimeSpan.FromMilliseconds(10) || HttpTimeout > TimeSpan.FromDays(1))
        {
            yield return new("Warehouse:Snowflake:HttpTimeout must be from 10 ms to 1 day.");
        }

        if (string.IsNullOrWhiteSpace(PrivateKey) && string.IsNullOrWhiteSpace(PrivateKeyPath))
        {
            yield return new("Set Warehouse:Snowflake:PrivateKeyPath (a PEM file) or Warehouse:Snowflake:PrivateKey (env Warehouse__Snowflake__PrivateKey).");
        }
        else if (string.IsNullOrWhiteSpace(PrivateKey) && !File.Exists(PrivateKeyPath))
        {
            yield return new($"Warehouse:Snowflake:PrivateKeyPath '{PrivateKeyPath}' does not exist.");
        }
    }
}
