using Distributed.Messaging;
using NATS.Client.Core;
using NATS.Client.JetStream;

namespace Distributed.Tests.Integration;

/// <summary>A test's own connection to the topology's NATS, to publish what no gateway would and read the dead letters.</summary>
public static class NatsTestClient
{
    public static NatsConnection Connect(string url)
    {
        var (bare, user, password) = NatsUrl.SplitCredentials(url);
        return new NatsConnection(NatsOpts.Default with
        {
            Url = bare,
            AuthOpts = NatsAuthOpts.Default with { Username = user, Password = password },
            InboxPrefix = NatsIdentity.InboxPrefixOf(user ?? NatsIdentities.OperatorUser),
        });
    }

    /// <summary>Every dead letter on <paramref name="subject"/>: its body and its reason header.</summary>
    public static async Task<List<(string Body, string Reason)>> DeadLettersAsync(NatsConnection connection, string subject)
    {
        var jetStream = new NatsJSContext(connection);
        var consumer = await jetStream.CreateOrderedConsumerAsync("DEADLETTER", new NatsJSOrderedConsumerOpts { FilterSubjects = [subject] });
        var letters = new List<(string, string)>();
        await foreach (var msg in consumer.FetchNoWaitAsync<byte[]>(new NatsJSFetchOpts { MaxMsgs = 10_000 }))
        {
            letters.Add((System.Text.Encoding.UTF8.GetString(msg.Data ?? []),
                msg.Headers?[Distributed.Contracts.MessageHeaders.DeadLetterReason].ToString() ?? string.Empty));
        }

        return letters;
    }
}
