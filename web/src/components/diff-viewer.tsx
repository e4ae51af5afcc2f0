import hljs from "highlight.js/lib/core";
import bash from "highlight.js/lib/languages/bash";
import css from "highlight.js/lib/languages/css";
import go from "highlight.js/lib/languages/go";
import javascript from "highlight.js/lib/languages/javascript";
import json from "highlight.js/lib/languages/json";
import markdown from "highlight.js/lib/languages/markdown";
import python from "highlight.js/lib/languages/python";
import rust from "highlight.js/lib/languages/rust";
import typescript from "highlight.js/lib/languages/typescript";
import xml from "highlight.js/lib/languages/xml";
import yaml from "highlight.js/lib/languages/yaml";
import { useMemo, useState } from "react";
import { type DiffFile, type DiffLine, parseDiff, sideBySide } from "./diff-parse";

for (const [name, lang] of Object.entries({
  bash,
  css,
  go,
  javascript,
  json,
  markdown,
  python,
  rust,
  typescript,
  xml,
  yaml,
})) {
  hljs.registerLanguage(name, lang);
}

const BY_EXT: Record<string, string> = {
  ts: "typescript",
  tsx: "typescript",
  mts: "typescript",
  cts: "typescript",
  js: "javascript",
  jsx: "javascript",
  mjs: "javascript",
  cjs: "javascript",
  json: "json",
  css: "css",
  scss: "css",
  html: "xml",
  xml: "xml",
  svg: "xml",
  vue: "xml",
  md: "markdown",
  py: "python",
  sh: "bash",
  bash: "bash",
  zsh: "bash",
  yml: "yaml",
  yaml: "yaml",
  go: "go",
  rs: "rust",
};

function languageOf(path: string): string | undefined {
  return BY_EXT[path.split(".").pop()?.toLowerCase() ?? ""];
}

/** Highlighted HTML for one line (highlight.js escapes the text itself). */
function Code({ text, lang }: { text: string; lang: string | undefined }) {
  if (!lang || text.length > 2000) return <code>{text}</code>;
  const html = hljs.highlight(text, { language: lang, ignoreIllegals: true }).value;
  // biome-ignore lint/security/noDangerouslySetInnerHtml: highlight.js output, every text node escaped
  return <code dangerouslySetInnerHTML={{ __html: html }} />;
}

const MAX_LINES = 2500;

function FileDiff({ file, mode }: { file: DiffFile; mode: "inline" | "split" }) {
  const [open, setOpen] = useState(true);
  const [all, setAll] = useState(false);
  const lang = languageOf(file.newPath);
  const total = file.hunks.reduce((n, h) => n + h.lines.length, 0);
  let budget = all ? Number.POSITIVE_INFINITY : MAX_LINES;
  const path = file.status === "renamed" ? `${file.oldPath} → ${file.newPath}` : file.newPath;
  const sign = (l: DiffLine) => (l.kind === "add" ? "+" : l.kind === "del" ? "-" : " ");
  return (
    <section className="diff-file" id={`file-${encodeURIComponent(file.newPath)}`} aria-label={path}>
      <header>
        <button type="button" className="ghost" aria-expanded={open} onClick={() => setOpen(!open)}>
          {open ? "▾" : "▸"}
        </button>
        <span className="path">{path}</span>
        <span className={`fstatus ${file.status}`}>{file.status}</span>
        <span className="add">+{file.additions}</span>
        <span className="del">−{file.deletions}</span>
      </header>
      {open && file.binary && <p className="muted pad">Binary file.</p>}
      {open &&
        file.hunks.map((h) => {
          if (budget <= 0) return null;
          const lines = h.lines.slice(0, budget);
          budget -= lines.length;
          return (
            <table key={h.header} className={`diff ${mode}`}>
              {mode === "inline" ? (
                <colgroup>
                  <col className="no" />
                  <col className="no" />
                  <col />
                </colgroup>
              ) : (
                <colgroup>
                  <col className="no" />
                  <col />
                  <col className="no" />
                  <col />
                </colgroup>
              )}
              <tbody>
                <tr className="hunk">
                  <td colSpan={mode === "inline" ? 3 : 4}>{h.header}</td>
                </tr>
                {mode === "inline"
                  ? lines.map((l) => (
                      <tr key={`${l.oldNo}:${l.newNo}`} className={l.kind}>
                        <td className="no">{l.oldNo ?? ""}</td>
                        <td className="no">{l.newNo ?? ""}</td>
                        <td className="code">
                          <span className="sign">{sign(l)}</span>
                          <Code text={l.text} lang={lang} />
                        </td>
                      </tr>
                    ))
                  : sideBySide(lines).map(([left, right]) => (
                      <tr key={`${left?.oldNo}:${right?.newNo}`}>
                        <td className="no">{left?.oldNo ?? ""}</td>
                        <td
                          className={`code ${left ? (left.kind === "context" ? "context" : "del") : "empty"}`}
                        >
                          {left && <Code text={left.text} lang={lang} />}
                        </td>
                        <td className="no">{right?.newNo ?? ""}</td>
                        <td
                          className={`code ${right ? (right.kind === "context" ? "context" : "add") : "empty"}`}
                        >
                          {right && <Code text={right.text} lang={lang} />}
                        </td>
                      </tr>
                    ))}
              </tbody>
            </table>
          );
        })}
      {open && !all && total > MAX_LINES && (
        <button type="button" onClick={() => setAll(true)}>
          Show all {total} lines
        </button>
      )}
    </section>
  );
}

export function DiffViewer({ diff }: { diff: string }) {
  const files = useMemo(() => parseDiff(diff), [diff]);
  const [mode, setMode] = useState<"inline" | "split">(() => (innerWidth < 900 ? "inline" : "split"));
  if (files.length === 0) return <p className="muted">The branch changes nothing yet.</p>;
  return (
    <div className="diff-viewer" data-testid="diff">
      <div className="diff-toolbar">
        <strong>
          {files.length} file{files.length === 1 ? "" : "s"} changed
        </strong>
        <span className="add">+{files.reduce((n, f) => n + f.additions, 0)}</span>
        <span className="del">−{files.reduce((n, f) => n + f.deletions, 0)}</span>
        <fieldset className="seg" aria-label="Diff layout">
          <label>
            <input
              type="radio"
              name="diffmode"
              checked={mode === "inline"}
              onChange={() => setMode("inline")}
            />{" "}
            Inline
          </label>
          <label>
            <input
              type="radio"
              name="diffmode"
              checked={mode === "split"}
              onChange={() => setMode("split")}
            />{" "}
            Side by side
          </label>
        </fieldset>
      </div>
      <div className="diff-body">
        <nav className="file-list" aria-label="Changed files">
          <ul>
            {files.map((f) => (
              <li key={f.newPath}>
                <a
                  href={`#file-${encodeURIComponent(f.newPath)}`}
                  onClick={(e) => {
                    e.preventDefault();
                    document.getElementById(`file-${encodeURIComponent(f.newPath)}`)?.scrollIntoView();
                  }}
                >
                  <span className={`fstatus ${f.status}`}>{f.status[0]!.toUpperCase()}</span> {f.newPath}
                </a>
                <span className="add">+{f.additions}</span> <span className="del">−{f.deletions}</span>
              </li>
            ))}
          </ul>
        </nav>
        <div className="files">
          {files.map((f) => (
            <FileDiff key={f.newPath} file={f} mode={mode} />
          ))}
        </div>
      </div>
    </div>
  );
}
