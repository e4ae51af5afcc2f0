import type { Command } from "commander";
import { listProjects, removeProject } from "../../store/projects.js";
import type { CliContext } from "../context.js";
import { paint, printJson, table } from "../output.js";

export function registerProjectCommands(program: Command, ctx: CliContext): void {
  const init = async (dir: string, opts: { name?: string; json?: boolean }) => {
    // git runs through execa, which is slow to load; only these commands need it.
    const { initProject } = await import("../../services/projects.js");
    const result = await initProject({ store: ctx.store(), dir, ...(opts.name ? { name: opts.name } : {}) });
    if (opts.json) return printJson(ctx.output, result);
    const { project, created, createdFiles } = result;
    ctx.output.out(
      created
        ? `${paint(ctx.output, "green", "✓")} registered project '${project.name}' (${project.path})`
        : `project '${project.name}' is already registered (${project.path}); nothing to do`,
    );
    for (const file of createdFiles) ctx.output.out(`  created ${file}`);
    if (created) {
      ctx.output.out(
        `\nbase branch: ${project.baseBranch ?? "(detached HEAD: set base_branch in .ccm/config.yaml)"}`,
      );
      ctx.output.out(`next: ccm task create --project ${project.name} "Describe the change you want"`);
    }
  };

  program
    .command("init")
    .description("set up the current git repository as a project (.ccm/ folder) and register it")
    .option("--name <name>", "project name (default: the repository folder's name)")
    .option("--json", "print the result as JSON")
    .action((opts: { name?: string; json?: boolean }) => init(ctx.cwd, opts));

  const project = program.command("project").description("register, list and remove projects");

  project
    .command("add")
    .description("register the git repository at PATH (creates its .ccm/ folder if missing)")
    .argument("<path>", "path of the repository")
    .option("--name <name>", "project name (default: the repository folder's name)")
    .option("--json", "print the result as JSON")
    .action((path: string, opts: { name?: string; json?: boolean }) => init(path, opts));

  project
    .command("list")
    .description("list registered projects")
    .option("--json", "print as JSON")
    .action((opts: { json?: boolean }) => {
      const projects = listProjects(ctx.store());
      if (opts.json) return printJson(ctx.output, projects);
      if (projects.length === 0) {
        ctx.output.out("no projects yet: run `ccm init` in a git repository, or `ccm project add PATH`");
        return;
      }
      ctx.output.out(
        table(
          ["NAME", "BASE", "PATH"],
          projects.map((p) => [p.name, p.baseBranch ?? "-", p.path]),
        ),
      );
    });

  project
    .command("remove")
    .description("unregister a project (its files, .ccm/ folder and task history are kept)")
    .argument("<name>", "project name")
    .option("--json", "print the result as JSON")
    .action((name: string, opts: { json?: boolean }) => {
      const removed = removeProject(ctx.store(), name);
      if (opts.json) return printJson(ctx.output, removed);
      ctx.output.out(`removed project '${removed.name}'; no files were deleted (${removed.path})`);
    });
}
