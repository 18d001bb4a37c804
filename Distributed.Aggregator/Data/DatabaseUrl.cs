using Npgsql;

namespace Distributed.Aggregator.Data;

/// <summary>Reads the original's <c>DATABASE_URL</c> (postgres://user:pass@host:port/db) into an Npgsql connection string.</summary>
public static class DatabaseUrl
{
    public const string Default = "postgres://distributed:distributed@localhost:5432/aggregator";
    public const string VariableName = "DATABASE_URL";

    /// <summary>The owner's URL, which runs the migrations; unset, DATABASE_URL's role does.</summary>
    public const string OwnerVariableName = "DATABASE_OWNER_URL";

    /// <summary>The query API's SELECT-only role; unset, DATABASE_URL's role reads too.</summary>
    public const string ReaderVariableName = "DATABASE_READER_URL";

    public static string ToConnectionString(string url)
    {
        if (!Uri.TryCreate(url, UriKind.Absolute, out var uri) || uri.Scheme is not ("postgres" or "postgresql"))
        {
            // Already a key=value connection string.
            return new NpgsqlConnectionStringBuilder(url).ConnectionString;
        }

        var userInfo = uri.UserInfo.Split(':', 2);
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = uri.Host,
            Port = uri.IsDefaultPort || uri.Port <= 0 ? 5432 : uri.Port,
            Database = Uri.UnescapeDataString(uri.AbsolutePath.TrimStart('/')) is { Length: > 0 } database ? database : "postgres",
            Username = userInfo.Length > 0 && userInfo[0].Length > 0 ? Uri.UnescapeDataString(userInfo[0]) : null,
            Password = userInfo.Length > 1 ? Uri.UnescapeDataString(userInfo[1]) : null,
        };
        return builder.ConnectionString;
    }
}
