using System.ComponentModel;
using System.ComponentModel.DataAnnotations;
using System.Globalization;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Microsoft.Extensions.Hosting;

/// <summary>
/// The one way a service reads its settings: an options class bound from the environment (each
/// property names its variable with <see cref="ConfigurationKeyNameAttribute"/>) and validated at
/// start, so a bad value stops the process with a message that names the variable and what it takes.
/// </summary>
public static class SettingsExtensions
{
    public static OptionsBuilder<T> AddSettings<T>(this IServiceCollection services, IConfiguration configuration)
        where T : class
    {
        services.AddSingleton<IValidateOptions<T>, VariableValidator<T>>();
        return services.AddOptions<T>().Bind(configuration).ValidateOnStart();
    }

    /// <summary>Every validation failure of a settings object, in terms of its environment variables.</summary>
    public static IReadOnlyList<string> Problems<T>(T settings)
        where T : class
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(settings, new ValidationContext(settings), results, validateAllProperties: true);
        return [.. results.Select(result => Describe(settings, result))];
    }

    /// <summary>
    /// Reads and validates settings at once, for a host that needs them before it builds anything
    /// (the AppHost): the same variables, rules and messages as <see cref="AddSettings{T}"/>. An
    /// unset or empty variable keeps its property's default; every problem is named in one exception.
    /// </summary>
    public static T Read<T>(IConfiguration configuration)
        where T : class, new()
    {
        var settings = new T();
        var problems = new List<string>();
        foreach (var property in typeof(T).GetProperties().Where(p => p.GetCustomAttribute<ConfigurationKeyNameAttribute>() is not null))
        {
            var raw = configuration[VariableOf(property)];
            if (string.IsNullOrWhiteSpace(raw))
            {
                continue;
            }

            var type = Nullable.GetUnderlyingType(property.PropertyType) ?? property.PropertyType;
            try
            {
                property.SetValue(settings, type == typeof(string) ? raw.Trim() : TypeDescriptor.GetConverter(type).ConvertFromInvariantString(raw.Trim()));
            }
            catch (Exception ex) when (ex is FormatException or NotSupportedException or ArgumentException || ex.InnerException is FormatException or OverflowException)
            {
                problems.Add(Unreadable(property, raw));
            }
        }

        problems.AddRange(Problems(settings));
        return problems.Count == 0 ? settings : throw new InvalidOperationException(string.Join(" ", problems.Distinct()));
    }

    private static string Unreadable(PropertyInfo property, string raw) =>
        property.GetCustomAttribute<RangeAttribute>() is { } range
            ? string.Create(CultureInfo.InvariantCulture, $"{VariableOf(property)} must be a whole number from {range.Minimum} to {range.Maximum}, not '{raw}'.")
            : property.PropertyType == typeof(bool)
                ? $"{VariableOf(property)} must be true or false, not '{raw}'."
                : $"{VariableOf(property)} cannot be '{raw}'.";

    /// <summary>The environment variable a settings property is read from.</summary>
    public static string VariableOf(PropertyInfo property) =>
        property.GetCustomAttribute<ConfigurationKeyNameAttribute>()?.Name ?? property.Name;

    private static string Describe<T>(T settings, ValidationResult result)
    {
        var properties = result.MemberNames.Select(name => typeof(T).GetProperty(name)).OfType<PropertyInfo>().ToList();
        if (properties is [var property] && property.GetCustomAttribute<RangeAttribute>() is { } range)
        {
            return string.Create(CultureInfo.InvariantCulture,
                $"{VariableOf(property)} must be from {range.Minimum} to {range.Maximum}, not {property.GetValue(settings)}.");
        }

        return result.ErrorMessage ?? $"{string.Join(", ", properties.Select(VariableOf))} is not valid.";
    }

    private sealed class VariableValidator<T> : IValidateOptions<T>
        where T : class
    {
        public ValidateOptionsResult Validate(string? name, T options) =>
            Problems(options) is { Count: > 0 } problems ? ValidateOptionsResult.Fail(problems) : ValidateOptionsResult.Success;
    }
}
