/**
 * The todo list, its filters and the add/edit form: what a person sees and does with /api/v1/todos.
 * The API is the one source of truth: after every change the list is read again, and the API's own
 * rules decide what is valid (the form only insists on a title).
 */

import { request } from "./api.js";
import { say, sayError } from "./messages.js";
import { apiToLocalInput, formatDeadline, isPast, isoInstant, localInputToApi, timeZone } from "./time.js";

const TODOS = "/api/v1/todos";
const FILTER_DELAY_MS = 300;

const $ = (id) => document.getElementById(id);

/** Wires the list, the filters and the form; returns what the other parts of the page need. */
export function setUpTodos() {
  const form = $("todo-form");
  const fields = {
    title: $("todo-title"),
    description: $("todo-description"),
    deadline: $("todo-deadline"),
    completed: $("todo-completed"),
  };
  const list = $("todo-list");
  const filters = { completed: $("filter-completed"), window: $("filter-window") };
  let editing = null; // the todo being edited, or null when the form adds
  let loads = 0; // only the latest load may draw the list

  $("time-zone").textContent = `In your time zone (${timeZone}).`;

  /** The selection the filters describe, as the API's `completed` and `window`. */
  function selection() {
    const completed = filters.completed.value === "" ? null : filters.completed.value === "true";
    const window = filters.window.value === "" ? null : Number(filters.window.value);
    return { completed, window };
  }

  async function reload() {
    const load = ++loads;
    const query = new URLSearchParams();
    if (filters.completed.value !== "") query.set("completed", filters.completed.value);
    if (filters.window.value !== "") query.set("window", filters.window.value);
    try {
      const todos = await request("GET", query.size ? `${TODOS}?${query}` : TODOS);
      if (load !== loads) return;
      sayError($("list-error"));
      draw(todos);
    } catch (error) {
      if (load !== loads) return;
      sayError($("list-error"), `Could not load your todos: ${error.message}`);
    }
  }

  function draw(todos) {
    list.replaceChildren(...todos.map(todoItem));
    const filtered = filters.completed.value !== "" || filters.window.value !== "";
    say($("list-status"), countLine(todos.length, filtered));
  }

  function todoItem(todo) {
    const item = element("li", { className: todo.completed ? "todo done" : "todo" });
    item.dataset.id = todo.id;

    const done = element("input", { type: "checkbox", id: `done-${todo.id}`, checked: todo.completed });
    done.setAttribute("aria-label", `Done: ${todo.title}`);
    done.addEventListener("change", () => setCompleted(todo, done));
    const doneLabel = element("label", { htmlFor: done.id, className: "done-label", textContent: "Done" });

    const body = element("div", { className: "todo-body" });
    body.append(element("p", { className: "todo-title", textContent: todo.title }));
    if (todo.description) body.append(element("p", { className: "todo-description", textContent: todo.description }));
    if (todo.deadline_at) {
      const due = element("p", { className: "todo-deadline" });
      const overdue = !todo.completed && isPast(todo.deadline_at);
      due.append(
        "Due ",
        element("time", { dateTime: isoInstant(todo.deadline_at), textContent: formatDeadline(todo.deadline_at) }),
      );
      if (overdue) due.append(element("strong", { className: "overdue", textContent: " (overdue)" }));
      body.append(due);
    }

    const edit = element("button", { type: "button", textContent: "Edit" });
    edit.setAttribute("aria-label", `Edit “${todo.title}”`);
    edit.addEventListener("click", () => startEditing(todo));
    const remove = element("button", { type: "button", className: "danger", textContent: "Delete" });
    remove.setAttribute("aria-label", `Delete “${todo.title}”`);
    remove.addEventListener("click", () => deleteTodo(todo));
    const actions = element("div", { className: "todo-actions" });
    actions.append(edit, remove);

    const check = element("div", { className: "todo-check" });
    check.append(done, doneLabel);
    item.append(check, body, actions);
    return item;
  }

  async function setCompleted(todo, checkbox) {
    sayError($("list-error"));
    try {
      await request("PUT", `${TODOS}/${todo.id}`, { body: { completed: checkbox.checked } });
      await reload();
      say($("list-status"), `Marked “${todo.title}” ${checkbox.checked ? "done" : "not done"}.`);
      // The list was drawn anew: keep a keyboard user where they were (unless the filter hides it now).
      ($(checkbox.id) ?? $("list-heading")).focus();
    } catch (error) {
      checkbox.checked = !checkbox.checked;
      sayError($("list-error"), `Could not update “${todo.title}”: ${error.message}`);
    }
  }

  async function deleteTodo(todo) {
    sayError($("list-error"));
    try {
      await request("DELETE", `${TODOS}/${todo.id}`);
      if (editing && editing.id === todo.id) stopEditing();
      await reload();
      say($("list-status"), `Deleted “${todo.title}”.`);
      $("list-heading").focus();
    } catch (error) {
      sayError($("list-error"), `Could not delete “${todo.title}”: ${error.message}`);
    }
  }

  function startEditing(todo) {
    editing = todo;
    fields.title.value = todo.title;
    fields.description.value = todo.description ?? "";
    fields.deadline.value = apiToLocalInput(todo.deadline_at);
    fields.completed.checked = todo.completed;
    $("todo-completed-field").hidden = false;
    $("editor-heading").textContent = `Edit “${todo.title}”`;
    $("todo-submit").textContent = "Save changes";
    $("todo-cancel").hidden = false;
    sayError($("form-error"));
    say($("form-status"));
    form.scrollIntoView({ block: "nearest" });
    fields.title.focus();
  }

  function stopEditing() {
    editing = null;
    form.reset();
    $("todo-completed-field").hidden = true;
    $("editor-heading").textContent = "Add a todo";
    $("todo-submit").textContent = "Add todo";
    $("todo-cancel").hidden = true;
  }

  async function submit(event) {
    event.preventDefault();
    const todo = {
      title: fields.title.value,
      description: fields.description.value === "" ? null : fields.description.value,
      deadline_at: localInputToApi(fields.deadline.value),
    };
    const adding = editing === null;
    sayError($("form-error"));
    say($("form-status"), adding ? "Adding…" : "Saving…");
    $("todo-submit").disabled = true;
    try {
      const saved = adding
        ? await request("POST", TODOS, { body: todo })
        : await request("PUT", `${TODOS}/${editing.id}`, { body: { ...todo, completed: fields.completed.checked } });
      stopEditing();
      say($("form-status"), `${adding ? "Added" : "Saved"} “${saved.title}”.`);
      fields.title.focus();
      await reload();
    } catch (error) {
      say($("form-status"));
      const unsure = adding && error.unreachable ? " It may have been saved: the list will show it once the API is back." : "";
      sayError($("form-error"), `${adding ? "Not added" : "Not saved"}: ${error.message}${unsure}`);
    } finally {
      $("todo-submit").disabled = false;
    }
  }

  form.addEventListener("submit", submit);
  $("todo-cancel").addEventListener("click", () => {
    stopEditing();
    say($("form-status"));
    sayError($("form-error"));
    fields.title.focus();
  });

  let filterTimer = null;
  const applyFilters = () => {
    clearTimeout(filterTimer);
    filterTimer = setTimeout(reload, FILTER_DELAY_MS);
  };
  filters.completed.addEventListener("change", applyFilters);
  filters.window.addEventListener("input", applyFilters);
  $("filters").addEventListener("submit", (event) => {
    event.preventDefault();
    clearTimeout(filterTimer);
    reload();
  });

  return { reload, selection };
}

function countLine(count, filtered) {
  if (count === 0) return filtered ? "No todos match the filter." : "No todos yet: add one above.";
  const todos = count === 1 ? "1 todo" : `${count} todos`;
  return filtered ? `${todos} ${count === 1 ? "matches" : "match"} the filter.` : `${todos}.`;
}

function element(tag, properties = {}) {
  return Object.assign(document.createElement(tag), properties);
}
