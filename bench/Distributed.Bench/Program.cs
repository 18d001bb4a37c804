using System.CommandLine;
using Distributed.Bench;

var url = new Option<string>("--url") { Description = "The gateway.", DefaultValueFactory = _ => "http://127.0.0.1:3000" };
var rate = new Option<double>("--rate") { Description = "Tasks per second.", DefaultValueFactory = _ => 100 };
var duration = new Option<TimeSpan>("--duration") { Description = "How long to send (hh:mm:ss).", DefaultValueFactory = _ => TimeSpan.FromSeconds(10) };
var maxInFlight = new Option<int>("--max-in-flight") { Description = "Unanswered requests at most; a task due past it is skipped and counted.", DefaultValueFactory = _ => 2048 };
var load = new Command("load", "Fixed-rate (open-model) load on POST /tasks; one JSON line: answers by status, accepted/s, latency from each task's due time.")
{
    url, rate, duration, maxInFlight,
};
load.SetAction((parsed, cancellation) => OpenModelRun.RunAsync(
    new Uri(parsed.GetValue(url)!), parsed.GetValue(rate), parsed.GetValue(duration), parsed.GetValue(maxInFlight), cancellation));

var nats = new Option<string>("--nats") { Description = "NATS URL, credentials included.", DefaultValueFactory = _ => "nats://127.0.0.1:4222" };
var messages = new Option<int>("--msgs") { DefaultValueFactory = _ => 200_000 };
var size = new Option<int>("--size") { Description = "Payload bytes.", DefaultValueFactory = _ => 128 };
var natsBench = new Command("nats", "nats bench's pub, pub/sub, queue group and request-reply tests; one JSON line per test.") { nats, messages, size };
natsBench.SetAction((parsed, _) => new NatsThroughput(parsed.GetValue(nats)!, parsed.GetValue(messages), parsed.GetValue(size)).RunAllAsync());

return await new RootCommand("What bench/'s scripts need besides wrk, pgbench, Prometheus and /proc.") { load, natsBench }
    .Parse(args).InvokeAsync();
