using Ivr.Api;
using Ivr.Api.Admin;
using Ivr.Api.Menus;

if (args is ["validate", .. var validateArgs])
    return ValidateCommand.Run(validateArgs, Console.Out, Console.Error);
if (args is ["hash-password", .. var hashArgs])
    return HashPasswordCommand.Run(hashArgs, Console.In, Console.Out, Console.Error);

var builder = WebApplication.CreateBuilder(args);
builder.AddHotline();

var app = builder.Build();
if (!await app.PrepareHotlineAsync())
    return 1;

await app.RunAsync();
return 0;

public partial class Program;
