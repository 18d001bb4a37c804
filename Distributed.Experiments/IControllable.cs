namespace Distributed.Experiments;

/// <summary>A flag a control subject switches at run time: kept in memory only, so a restart resets it.</summary>
public interface IControllable<TState>
{
    TState Current { get; }

    void Apply(TState state);
}
