using Ivr.Api;

var builder = WebApplication.CreateBuilder(args);
builder.AddHotline();

var app = builder.Build();
if (!await app.PrepareHotlineAsync())
    return 1;

await app.RunAsync();
return 0;

public partial class Program;
