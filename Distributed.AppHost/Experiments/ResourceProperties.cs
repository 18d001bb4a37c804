namespace Distributed.AppHost.Experiments;

/// <summary>Shows an experiment's state on a resource's details in the dashboard, on every replica.</summary>
public static class ResourceProperties
{
    public static Task ShowAsync(this ResourceNotificationService notifications, IResource resource, string name, string value) =>
        notifications.ShowAsync(resource, (name, value));

    /// <summary>Several properties in one update, so no watcher sees some of them changed and not the others.</summary>
    public static Task ShowAsync(this ResourceNotificationService notifications, IResource resource, params (string Name, string Value)[] properties) =>
        notifications.PublishUpdateAsync(resource, snapshot => snapshot with
        {
            Properties =
            [
                .. snapshot.Properties.Where(property => !properties.Any(shown => shown.Name == property.Name)),
                .. properties.Select(shown => new ResourcePropertySnapshot(shown.Name, shown.Value)),
            ],
        });

    /// <summary>The value a resource instance shows for <paramref name="name"/>, if any.</summary>
    public static string? Shown(this CustomResourceSnapshot snapshot, string name) =>
        snapshot.Properties.FirstOrDefault(property => property.Name == name)?.Value?.ToString();
}
