using Distributed.Messaging;
using Distributed.Provisioning;

var builder = Host.CreateApplicationBuilder(args);

builder.AddMessaging(NatsIdentities.Provisioner);
builder.Services.AddSingleton(new DatabaseTarget(builder.AddResultsOwner()));
builder.Services.AddSettings<ProvisioningOptions>(builder.Configuration);
builder.Services.AddHostedService<ProvisioningRun>();

await builder.Build().RunAsync();
