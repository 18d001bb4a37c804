namespace Distributed.Contracts;

/// <summary>
/// A task type becomes one subject token, so it may hold no dot, space or wildcard:
/// 1–64 characters of [A-Za-z0-9_-].
/// </summary>
public static class TaskTypeRule
{
    public const int MaxLength = 64;

    public static bool IsValid(string? taskType)
    {
        if (string.IsNullOrEmpty(taskType) || taskType.Length > MaxLength)
        {
            return false;
        }

        foreach (var c in taskType)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-'))
            {
                return false;
            }
        }

        return true;
    }
}
