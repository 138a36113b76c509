using MillionX.Pipeline.Commands;

return await PipelineCli.RunAsync(args);
