"""``swerun report | compare | submit | debug``: what people do with finished runs."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .options import dataset_option, image_options, split_option

RUN = click.Path(exists=True, file_okay=False, path_type=Path)


@click.command("report")
@click.argument("run", type=RUN)
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), help="where report.html goes "
              "(default: RUN/report.html)")
@click.option("--no-html", is_flag=True, help="only the terminal summary")
@click.option("--json", "as_json", is_flag=True, help="print the summary as JSON instead")
def report_cmd(run: Path, out: Path | None, no_html: bool, as_json: bool) -> None:
    """Summary of a run (resolved %, by repository, errors apart) and a self-contained report.html."""
    from ..artifacts import atomic_write
    from ..reporting.html import render
    from ..reporting.summary import load_run
    from ..reporting.text import summary_lines

    summary = load_run(run)
    if as_json:
        bulky = {"trajectory", "log_tail", "patch"}
        click.echo(summary.model_dump_json(indent=1, exclude={"instances": {"__all__": bulky}}))
    else:
        for line in summary_lines(summary):
            click.echo(line)
    if not no_html:
        path = out or run / "report.html"
        atomic_write(path, render(summary))
        click.echo(f"Report: {path}", err=as_json)


@click.command("compare")
@click.argument("runs", type=RUN, nargs=-1, required=True)
@click.option("--tests", "max_tests", default=8, show_default=True, help="changed tests shown per instance")
@click.option("--json", "as_json", is_flag=True, help="print the comparison as JSON")
def compare_cmd(runs: tuple[Path, ...], max_tests: int, as_json: bool) -> None:
    """Runs side by side: instances one resolves and the other not, the tests that changed, cost and steps."""
    from ..errors import InputError
    from ..reporting.compare import compare
    from ..reporting.summary import load_run
    from ..reporting.text import comparison_lines

    if len(runs) < 2:
        raise InputError("give two or more run folders", source="RUNS")
    cmp = compare([load_run(r) for r in runs])
    if as_json:
        click.echo(cmp.model_dump_json(indent=1))
        return
    for line in comparison_lines(cmp, max_tests):
        click.echo(line)


@click.command("submit")
@click.argument("run", type=RUN, required=False)
@click.option("--name", help="submission folder name, <YYYYMMDD>_<name> (today's date is added if missing)")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("submission"), show_default=True,
              help="root that receives evaluation/<split>/<name>/ (e.g. your clone of SWE-bench/experiments)")
@click.option("--split", "lb_split", help="leaderboard split folder (default: from the run: verified, lite, test, ...)")
@click.option("--display-name", help="info.name shown on the leaderboard (default: --name)")
@click.option("--site", help="info.site")
@click.option("--report", "report_url", help="info.report: technical report or blog post")
@click.option("--authors", help="info.authors")
@click.option("--org", "orgs", multiple=True, help="tags.org (repeatable)")
@click.option("--model-tag", "models", multiple=True, help="tags.model (default: the run's model)")
@click.option("--os-model/--closed-model", default=False, show_default=True, help="tags.os_model")
@click.option("--os-system/--closed-system", default=True, show_default=True, help="tags.os_system")
@click.option("--trajs", "trajs_dir", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="take trajectories from here (<instance_id>.*) instead of the run's trajectory.json files")
@click.option("--overwrite", is_flag=True, help="replace an existing submission folder")
@click.option("--allow-infra-errors", is_flag=True, help="submit although some instances hit infrastructure failures")
@click.option("--check", "check_folder", type=click.Path(exists=True, file_okay=False, path_type=Path),
              help="only check an existing submission folder")
@dataset_option(help="dataset to check against (default: from the split folder's name)")
def submit_cmd(run, name, out, lb_split, display_name, site, report_url, authors, orgs, models, os_model, os_system,
               trajs_dir, overwrite, allow_infra_errors, check_folder, dataset) -> None:
    """Write the SWE-bench leaderboard folder of a run (and sb-cli's predictions file), then check it."""
    from ..dataset import load_dataset
    from ..errors import InputError
    from ..reporting.lines import check_lines
    from ..reporting.runfiles import RunFolder
    from ..reporting.subcheck import check_submission
    from ..reporting.submission import SubmissionInfo, build_submission, write_sbcli

    if check_folder:
        res = check_submission(check_folder, load_dataset(None, dataset) if dataset else None)
    else:
        if run is None or not name:
            raise InputError("give a run folder and --name (or --check FOLDER)", source="swerun submit")
        folder = RunFolder(run)
        info = SubmissionInfo(name=display_name or name, site=site, report=report_url, authors=authors, orgs=list(orgs),
                              models=list(models) or [folder.model], os_model=os_model, os_system=os_system)
        path = build_submission(run, name, out, info, split=lb_split, overwrite=overwrite,
                                allow_infra_errors=allow_infra_errors, trajs_dir=trajs_dir)
        click.echo(f"Submission: {path}")
        preds, cmd = write_sbcli(run, out, path.name, path.parent.name)
        click.echo(f"sb-cli predictions: {preds}")
        click.echo(f"  submit with: {cmd}" if cmd else f"  (sb-cli does not serve the {path.parent.name!r} split)")
        res = check_submission(path, load_dataset(None, dataset) if dataset else folder.load_dataset())
    for line in check_lines(res):
        click.echo(line)
    if not res.ok:
        sys.exit(1)


def _stepper(printable, backend):
    """Interactive stepping for --replay: Enter runs the call, a runs the rest, s opens a shell, q stops."""
    import subprocess

    from ..reporting.trajview import clip, pretty_args

    def step(index: int, name: str, arguments: str, sandbox) -> str:
        shown = clip(pretty_args(arguments), 800).split("\n")
        click.echo(f"\nstep {index}: {name}\n" + "\n".join("    " + x for x in shown))
        answer = click.prompt("[Enter] run  [a] run all  [s] shell  [q] quit", default="", show_default=False).strip()
        if answer == "s":
            argv = backend.shell_argv(sandbox)
            click.echo(f"$ {printable(argv)}")
            subprocess.call(argv)
            return "shell"
        return {"a": "all", "q": "quit"}.get(answer, "run")

    return step


def _replay(target, printable) -> None:
    from ..reporting.replay import load_trajectory, replay

    traj = load_trajectory(target)

    def show(call) -> None:
        state = ("skipped (not a built-in tool)" if call.same is None
                 else "same output" if call.same else "DIFFERENT output")
        click.echo(f"step {call.step:>3}  {call.name:<19} {state}")
        if call.same is False:
            click.echo("    recorded: " + call.recorded.strip()[:300].replace("\n", "\n              "))
            click.echo("    replayed: " + (call.replayed or "").strip()[:300].replace("\n", "\n              "))

    out = replay(target, traj, _stepper(printable, target.settings.backend) if sys.stdin.isatty() else None, show)
    n_same = sum(1 for c in out.calls if c.same)
    click.echo(f"Replayed {len(out.calls)} calls: {n_same} with the same output"
               f"{' (stopped early)' if out.stopped_early else ''}")
    click.echo("Final patch: "
               + ("identical to the trajectory's" if out.same_patch else "DIFFERS from the trajectory's"))
    if not out.same_patch:
        click.echo(out.patch)


@click.command("debug")
@click.argument("instance_id")
@click.option("--run", "run_path", type=RUN, help="a run folder: apply its patch, compare with its report.json")
@click.option("--tests", is_flag=True, help="run the evaluation and show each test's status against the expected one")
@click.option("--patch", "patch_file", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="apply this patch instead of the run's")
@click.option("--replay", is_flag=True, help="step through the run's trajectory in a fresh container")
@click.option("--base", is_flag=True, help="apply no patch (the repository at base_commit)")
@split_option(help="dataset split (default: the run's)")
@dataset_option(help="local dataset file or hub id (default: the run's)")
@image_options
def debug_cmd(instance_id, run_path, tests, patch_file, replay, base, split, dataset, repo_url, registry,
              ca_bundle) -> None:
    """Why did this instance fail? An image at base_commit, the run's patch, tests, the trajectory again."""
    from ..reporting.debug import open_shell, printable, resolve_target, run_tests, shell_argv
    from ..reporting.lines import debug_test_lines

    target = resolve_target(instance_id, run_path=run_path, patch_file=patch_file, split=split, dataset=dataset,
                            repo_url=repo_url, registry=registry, ca_bundle=ca_bundle, use_run_patch=not base)
    click.echo(f"{target.iid}: image {target.image.tag} ({target.image.source}); patch: {target.patch_from}")
    click.echo(f"Scratch folder: {target.workdir}")
    if tests:
        outcome = run_tests(target)
        reason = f": {outcome.result.reason}" if outcome.result.reason else ""
        click.echo(f"Outcome now: {outcome.result.outcome.value}{reason}")
        for line in debug_test_lines(outcome):
            click.echo(line)
        click.echo(f"Compared with {outcome.expected_from}: "
                   + ("the same statuses" if outcome.same else f"{len(outcome.differ)} tests differ (marked !)"))
        if outcome.repro:
            click.echo(f"Rerun the evaluation by hand:\n  {printable(outcome.repro)}")
    elif replay:
        _replay(target, printable)
    click.echo(f"Shell with the patch applied:\n  {printable(shell_argv(target))}")
    if not tests and not replay:
        if sys.stdin.isatty() and sys.stdout.isatty():
            sys.exit(open_shell(target))
        click.echo("(not a terminal: run the command above to get the shell)")
