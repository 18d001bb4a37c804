using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace Distributed.Provisioning;

public sealed class ProvisioningOptions
{
    /// <summary>The ingest path's role, granted INSERT and the two columns its statement reads back; unset, no grant.</summary>
    [ConfigurationKeyName("DATABASE_INGEST_ROLE")]
    public string? IngestRole { get; set; }

    /// <summary>The query API's role, granted SELECT; unset, no grant.</summary>
    [ConfigurationKeyName("DATABASE_READER_ROLE")]
    public string? ReaderRole { get; set; }

    /// <summary>
    /// After provisioning, keep watching: every this many seconds, declare again any stream, bucket or
    /// consumer that went missing (a deleted stream, a NATS back with an empty store). 0: exit once done.
    /// </summary>
    [ConfigurationKeyName("PROVISION_WATCH_SECONDS")]
    [Range(0, 3600)]
    public int WatchSeconds { get; set; }
}
