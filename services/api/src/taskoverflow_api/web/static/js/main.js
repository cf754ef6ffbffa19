/** The page's entry point: wires the todo list, the calendar actions and the connection banner. */

import { setUpConnectionBanner } from "./connection.js";
import { setUpExport } from "./export.js";
import { setUpSubscribe } from "./subscribe.js";
import { setUpTodos } from "./todos.js";

const $ = (id) => document.getElementById(id);

const todos = setUpTodos();
setUpConnectionBanner(
  { root: $("connection"), message: $("connection-message"), retryButton: $("connection-retry") },
  todos.reload,
);
setUpExport(todos.selection);
setUpSubscribe(todos.selection);
todos.reload();
