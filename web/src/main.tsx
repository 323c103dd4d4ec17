/**
 * The PharmaChain web page: four views behind one small hash router (`#/`, `#/history`, `#/counter`, `#/alerts`), so
 * the service serves one file at `/` and its Digital Link paths keep their meaning. The wallet views and ethers load
 * only when opened.
 */
import { render } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { lazy, Suspense } from "preact/compat";
import "./style.css";
import { VerifyPage } from "./pages/Verify";
import { HistoryPage } from "./pages/History";

const CounterPage = lazy(() => import("./pages/Counter").then((m) => ({ default: m.CounterPage })));
const AlertsPage = lazy(() => import("./pages/Alerts").then((m) => ({ default: m.AlertsPage })));

export interface Route {
  name: "verify" | "history" | "counter" | "alerts";
  params: URLSearchParams;
}

function route(): Route {
  const hash = location.hash.replace(/^#\/?/, "");
  const [name, query = ""] = hash.split("?");
  const known = ["history", "counter", "alerts"] as const;
  const found = known.find((k) => k === name);
  return { name: found ?? "verify", params: new URLSearchParams(query) };
}

const NAV: [Route["name"], string, string][] = [
  ["verify", "#/", "Verify"],
  ["history", "#/history", "History"],
  ["counter", "#/counter", "Counter & dock"],
  ["alerts", "#/alerts", "Alerts"],
];

function App() {
  const [current, setCurrent] = useState(route());
  const firstView = useRef(true);
  useEffect(() => {
    const onHash = () => setCurrent(route());
    window.addEventListener("hashchange", onHash);
    return () => window.removeEventListener("hashchange", onHash);
  }, []);
  useEffect(() => {
    const title = NAV.find(([n]) => n === current.name)![2];
    document.title = `${title} — PharmaChain`;
    // a view opened from the navigation takes focus to its content; the page's first view does not, so that a
    // keyboard's first Tab reaches the skip link and the navigation, in the page's order
    if (firstView.current) firstView.current = false;
    else document.getElementById("main")?.focus({ preventScroll: true });
  }, [current.name]);
  return (
    <>
      <a class="skip" href="#main" onClick={(e) => (e.preventDefault(), document.getElementById("main")?.focus())}>
        Skip to content
      </a>
      <header>
        <span class="brand" aria-hidden="true">
          ⚕
        </span>
        <nav aria-label="Pages">
          {NAV.map(([name, href, label]) => (
            <a href={href} aria-current={current.name === name ? "page" : undefined}>
              {label}
            </a>
          ))}
        </nav>
      </header>
      <main id="main" tabIndex={-1}>
        {current.name === "verify" && <VerifyPage />}
        {current.name === "history" && <HistoryPage params={current.params} />}
        <Suspense fallback={<p>Loading…</p>}>
          {current.name === "counter" && <CounterPage params={current.params} />}
          {current.name === "alerts" && <AlertsPage />}
        </Suspense>
      </main>
    </>
  );
}

render(<App />, document.getElementById("app")!);
