using System.ComponentModel.DataAnnotations;
using System.Diagnostics;
using System.Reflection;
using Distributed.AppHost.Infrastructure;
using Distributed.Processor;
using Distributed.Tests.Faults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace Distributed.Tests.Unit;

/// <summary>One way to read settings: a value out of range stops the process with the variable's name and what it takes.</summary>
public sealed class SettingsValidationTests
{
    public static TheoryData<Type, string> RangedSettings()
    {
        var data = new TheoryData<Type, string>();
        foreach (var type in ConfigurationCatalog.SettingsTypes)
        {
            foreach (var property in type.GetProperties().Where(p => p.GetCustomAttribute<RangeAttribute>() is not null))
            {
                data.Add(type, property.Name);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(RangedSettings))]
    public void A_value_below_its_range_is_refused_naming_the_variable_and_the_range(Type type, string propertyName)
    {
        var settings = Activator.CreateInstance(type)!;
        var property = type.GetProperty(propertyName)!;
        var range = property.GetCustomAttribute<RangeAttribute>()!;
        // An optional setting (int?) is ranged like its number.
        var numberType = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
        var below = Convert.ChangeType(Convert.ToInt64(range.Minimum, System.Globalization.CultureInfo.InvariantCulture) - 1, numberType, System.Globalization.CultureInfo.InvariantCulture);
        property.SetValue(settings, below);

        var problems = (IReadOnlyList<string>)typeof(SettingsExtensions).GetMethod(nameof(SettingsExtensions.Problems))!
            .MakeGenericMethod(type).Invoke(null, [settings])!;

        var problem = Assert.Single(problems);
        Assert.StartsWith(SettingsExtensions.VariableOf(property) + " must be from " + range.Minimum, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void The_defaults_are_valid()
    {
        foreach (var type in ConfigurationCatalog.SettingsTypes)
        {
            var problems = (IReadOnlyList<string>)typeof(SettingsExtensions).GetMethod(nameof(SettingsExtensions.Problems))!
                .MakeGenericMethod(type).Invoke(null, [Activator.CreateInstance(type)!])!;
            Assert.Empty(problems);
        }
    }

    [Fact]
    public void Rules_across_settings_name_both_variables()
    {
        var problem = Assert.Single(SettingsExtensions.Problems(new ProcessorOptions { EnrichMaxAttempts = 20, MaxDeliveries = 20 }));

        Assert.Contains("ENRICH_MAX_ATTEMPTS", problem, StringComparison.Ordinal);
        Assert.Contains("MAX_DELIVERIES", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("PROCESSOR_REPLICAS", "100", "from 1 to 64")]
    [InlineData("PROCESSOR_REPLICAS", "two", "from 1 to 64")]
    [InlineData("NATS_PORT", "70000", "from 1 to 65535")]
    [InlineData("GATEWAY_ADDR", "0.0.0.0:http", "host:port")]
    [InlineData("NATS_SYNC_INTERVAL", "sometimes", "'always' or a duration")]
    [InlineData("DISTRIBUTED_INFRA", "kubernetes", "'local', 'containers' or 'auto'")]
    public void The_apphost_refuses_a_bad_value_naming_the_variable(string variable, string value, string allowed)
    {
        var values = new Dictionary<string, string?> { ["DISTRIBUTED_INFRA"] = "local", [variable] = value };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();

        var error = Assert.Throws<InvalidOperationException>(() => AppHostSettings.From(configuration, RepositoryPaths.Root));

        Assert.Contains(variable, error.Message, StringComparison.Ordinal);
        Assert.Contains(allowed, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_service_given_a_bad_value_stops_at_start_and_says_which_variable()
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host ? host : "dotnet")
        {
            ArgumentList = { RepositoryPaths.ServiceAssembly("Distributed.Processor") },
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment = { ["PROCESSOR_CONCURRENCY"] = "0", ["METRICS_ADDR"] = "127.0.0.1:0", ["NATS_URL"] = "nats://127.0.0.1:1" },
        };
        using var process = Process.Start(info)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        Assert.NotEqual(0, process.ExitCode);
        Assert.Contains("PROCESSOR_CONCURRENCY must be from 1 to 10000, not 0", await output + await errors, StringComparison.Ordinal);
    }
}
