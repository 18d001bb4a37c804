using System.CommandLine;
using Distributed.Contracts;
using Distributed.DeadLetters;

// NATS_URL names the server and the operator's credentials (no service identity may read dead letters).
var stage = new Argument<string>("stage") { Description = "Whose dead letters: processor or aggregator." };
stage.AcceptOnlyFromAmong([.. DeadLetterStages.All]);
var sequence = new Argument<ulong>("sequence") { Description = "The dead letter's sequence, from list." };
var only = new Option<ulong?>("--sequence") { Description = "Replay this one only, not all of the stage." };

var list = new Command("list", "The stage's dead letters: sequence, when, original subject, deliveries, reason.") { stage };
list.SetAction((parsed, cancellation) => DeadLetterTool.ListAsync(parsed.GetValue(stage)!, cancellation));
var show = new Command("show", "One dead letter's headers and payload.") { sequence };
show.SetAction((parsed, cancellation) => DeadLetterTool.ShowAsync(parsed.GetValue(sequence), cancellation));
var replay = new Command("replay", "Once the cause is fixed: publish the stage's dead letters (or one) again on their original subjects.") { stage, only };
replay.SetAction((parsed, cancellation) => DeadLetterTool.ReplayAsync(parsed.GetValue(stage)!, parsed.GetValue(only), cancellation));
var purge = new Command("purge", "Delete the stage's dead letters for good.") { stage };
purge.SetAction((parsed, cancellation) => DeadLetterTool.PurgeAsync(parsed.GetValue(stage)!, cancellation));

return await new RootCommand("Dead letters of the Distributed pipeline, as the NATS operator (NATS_URL).") { list, show, replay, purge }
    .Parse(args).InvokeAsync();
