using System.Diagnostics.Metrics;
using Aspire.Hosting;
using Distributed.AppHost.Experiments;
using Distributed.Contracts;
using Distributed.Enricher;
using Distributed.Processor;

namespace Distributed.Tests.Unit;

/// <summary>The experiment flags and the load plan, without a running system.</summary>
public sealed class ExperimentFlagTests
{
    [Theory]
    [InlineData("""{"error_rate":1,"extra_latency_ms":0}""", true)]
    [InlineData("""{"error_rate":0.25,"extra_latency_ms":500}""", true)]
    [InlineData("""{"error_rate":1.5,"extra_latency_ms":0}""", false)]
    [InlineData("""{"error_rate":-0.1,"extra_latency_ms":0}""", false)]
    [InlineData("""{"error_rate":0,"extra_latency_ms":60001}""", false)]
    [InlineData("""{"error_rate":"all"}""", false)]
    public void Enricher_fault_messages_are_checked_before_they_apply(string json, bool valid)
    {
        Assert.Equal(valid, ContractJson.TryDecode<EnricherFaults>(System.Text.Encoding.UTF8.GetBytes(json), out _, out _));
    }

    [Fact]
    public void An_enricher_fails_every_request_at_rate_1_and_none_at_rate_0()
    {
        using var meters = new MeterFactory();
        var faults = new FaultInjection(meters);
        Assert.True(faults.Current.IsOff);
        Assert.DoesNotContain(true, Enumerable.Range(0, 1000).Select(_ => faults.ShouldFail()));

        faults.Apply(new EnricherFaults(1, 250));
        Assert.All(Enumerable.Range(0, 1000), _ => Assert.True(faults.ShouldFail()));
        Assert.Equal(TimeSpan.FromMilliseconds(250), faults.ExtraLatency);

        faults.Apply(EnricherFaults.None);
        Assert.False(faults.ShouldFail());
    }

    [Fact]
    public async Task Pausing_intake_cancels_the_consumers_token_and_resuming_lets_it_take_again()
    {
        using var meters = new MeterFactory();
        using var intake = new IntakeSwitch(meters);
        var taking = await intake.WhenTakingAsync(CancellationToken.None);
        Assert.False(taking.IsCancellationRequested);

        intake.Apply(new ProcessorIntake(Paused: true));
        Assert.True(taking.IsCancellationRequested);
        Assert.True(intake.Current.Paused);
        var waiting = intake.WhenTakingAsync(CancellationToken.None);
        Assert.False(waiting.IsCompleted);

        intake.Apply(ProcessorIntake.Running);
        var resumed = await waiting.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(resumed.IsCancellationRequested);
        Assert.False(intake.Current.Paused);
    }

    [Fact]
    public void A_rate_and_duration_override_the_preset_and_need_each_other()
    {
        var plan = LoadCommands.Plan(Inputs(("rate", "40"), ("seconds", "3")), out _);
        Assert.Equal(120, plan!.Total);
        Assert.Equal(TimeSpan.FromSeconds(1), plan.DueAt(40));

        Assert.Null(LoadCommands.Plan(Inputs(("rate", "40")), out var problem));
        Assert.Contains("duration", problem, StringComparison.Ordinal);
        Assert.Null(LoadCommands.Plan(Inputs(("rate", "0"), ("seconds", "3")), out _));
        Assert.Null(LoadCommands.Plan(Inputs(("preset", "everything")), out _));

        Assert.Equal(LoadPlan.Presets["burst"], LoadCommands.Plan(Inputs(("preset", "burst")), out _));
        Assert.Equal(2_000, LoadPlan.Presets["burst"].Total);
        Assert.Equal(TimeSpan.Zero, LoadPlan.Presets["burst"].DueAt(1_999));
    }

    [Fact]
    public void Load_report_quantiles_are_nearest_rank()
    {
        var sorted = Enumerable.Range(1, 100).Select(ms => TimeSpan.FromMilliseconds(ms)).ToList();
        Assert.Equal(TimeSpan.FromMilliseconds(50), Distributed.Load.NearestRank.Of(sorted, 0.5));
        Assert.Equal(TimeSpan.FromMilliseconds(99), Distributed.Load.NearestRank.Of(sorted, 0.99));
        Assert.Null(Distributed.Load.NearestRank.Of<TimeSpan>([], 0.5));
    }

    private static InteractionInputCollection Inputs(params (string Name, string Value)[] values) =>
        new([.. values.Select(v => new InteractionInput { Name = v.Name, InputType = InputType.Text, Value = v.Value })]);

    private sealed class MeterFactory : IMeterFactory
    {
        private readonly List<Meter> _meters = [];

        public Meter Create(MeterOptions options)
        {
            var meter = new Meter(options);
            _meters.Add(meter);
            return meter;
        }

        public void Dispose() => _meters.ForEach(meter => meter.Dispose());
    }
}
