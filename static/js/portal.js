/* Progressive enhancement for the filing pages; every page works without this file.
 * Searchable pickers: a <select data-lookup-url> inside a form with data-pickers becomes a type-to-search box backed by the portal's /lookup/ endpoint, which
 * lists the cadre's recently used items first. The original select stays in the form (hidden)
 * and carries the value, so submitting is unchanged. */
(function () {
  "use strict";

  function text(form, key, fallback) {
    return form.getAttribute("data-i18n-" + key) || fallback;
  }

  function enhance(select, form) {
    var multiple = select.multiple;
    var url = select.getAttribute("data-lookup-url");
    var wrap = document.createElement("div");
    wrap.className = "picker";
    var chips = document.createElement("div");
    chips.className = "picker-chips";
    var input = document.createElement("input");
    input.type = "search";
    input.id = select.id + "_search";
    input.autocomplete = "off";
    input.placeholder = text(form, "search", "Search");
    input.setAttribute("role", "combobox");
    input.setAttribute("aria-autocomplete", "list");
    input.setAttribute("aria-expanded", "false");
    var describedBy = select.getAttribute("aria-describedby");
    if (describedBy) input.setAttribute("aria-describedby", describedBy);
    var list = document.createElement("ul");
    list.className = "picker-results";
    list.id = select.id + "_results";
    list.setAttribute("role", "listbox");
    list.hidden = true;
    input.setAttribute("aria-controls", list.id);

    var label = form.querySelector('label[for="' + select.id + '"]');
    if (label) label.htmlFor = input.id;
    select.hidden = true;
    select.setAttribute("aria-hidden", "true");
    select.tabIndex = -1;
    select.parentNode.insertBefore(wrap, select);
    wrap.appendChild(chips);
    wrap.appendChild(input);
    wrap.appendChild(list);

    function option(id, name) {
      var found = select.querySelector('option[value="' + id + '"]');
      if (!found) {
        found = new Option(name, id);
        select.appendChild(found);
      }
      return found;
    }

    function renderChips() {
      chips.textContent = "";
      Array.prototype.forEach.call(select.selectedOptions, function (opt) {
        if (!opt.value) return;
        var chip = document.createElement("span");
        chip.className = "chip";
        chip.appendChild(document.createTextNode(opt.textContent));
        var remove = document.createElement("button");
        remove.type = "button";
        remove.textContent = "×";
        remove.setAttribute("aria-label", text(form, "remove", "Remove") + " " + opt.textContent);
        remove.addEventListener("click", function () {
          opt.selected = false;
          if (!multiple) select.value = "";
          renderChips();
          input.focus();
        });
        chip.appendChild(remove);
        chips.appendChild(chip);
      });
    }

    function close() {
      list.hidden = true;
      input.setAttribute("aria-expanded", "false");
    }

    function choose(item) {
      var opt = option(item.id, item.name);
      if (multiple) {
        opt.selected = true;
      } else {
        select.value = String(item.id);
      }
      renderChips();
      input.value = "";
      close();
      input.focus();
    }

    function show(results, query) {
      list.textContent = "";
      if (!query && results.length) {
        var hint = document.createElement("li");
        hint.className = "hint";
        hint.textContent = text(form, "recent", "Recently used");
        list.appendChild(hint);
      }
      results.forEach(function (item) {
        var li = document.createElement("li");
        var button = document.createElement("button");
        button.type = "button";
        button.setAttribute("role", "option");
        button.textContent = item.name;
        button.addEventListener("click", function () { choose(item); });
        li.appendChild(button);
        list.appendChild(li);
      });
      if (!results.length && query) {
        var none = document.createElement("li");
        none.className = "hint";
        none.textContent = text(form, "none", "Nothing matches");
        list.appendChild(none);
      }
      list.hidden = !list.children.length;
      input.setAttribute("aria-expanded", list.hidden ? "false" : "true");
    }

    var timer = null;
    var latest = 0;
    function search() {
      var query = input.value.trim();
      var ticket = ++latest;
      fetch(url + "?q=" + encodeURIComponent(query), {
        credentials: "same-origin",
        headers: { Accept: "application/json" }
      })
        .then(function (response) { return response.ok ? response.json() : { results: [] }; })
        .then(function (data) { if (ticket === latest) show(data.results || [], query); })
        .catch(function () { /* offline: the chips still work, the form still submits */ });
    }

    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(search, 150);
    });
    input.addEventListener("focus", search);
    input.addEventListener("keydown", function (event) {
      if (event.key === "ArrowDown") {
        var first = list.querySelector("button");
        if (first) { event.preventDefault(); first.focus(); }
      } else if (event.key === "Escape") {
        close();
      } else if (event.key === "Enter") {
        // Enter picks the first match instead of submitting the form half-filled.
        var match = list.hidden ? null : list.querySelector("button");
        if (match && input.value.trim()) { event.preventDefault(); match.click(); }
      } else if (event.key === "Backspace" && !input.value && multiple) {
        var selected = select.selectedOptions;
        if (selected.length) { selected[selected.length - 1].selected = false; renderChips(); }
      }
    });
    list.addEventListener("keydown", function (event) {
      var buttons = Array.prototype.slice.call(list.querySelectorAll("button"));
      var index = buttons.indexOf(document.activeElement);
      if (event.key === "ArrowDown" && index < buttons.length - 1) {
        event.preventDefault(); buttons[index + 1].focus();
      } else if (event.key === "ArrowUp") {
        event.preventDefault();
        if (index > 0) buttons[index - 1].focus(); else input.focus();
      } else if (event.key === "Escape") {
        close(); input.focus();
      }
    });
    wrap.addEventListener("focusout", function (event) {
      if (!wrap.contains(event.relatedTarget)) setTimeout(function () {
        if (!wrap.contains(document.activeElement)) close();
      }, 100);
    });
    renderChips();
  }

  document.querySelectorAll("form[data-pickers]").forEach(function (form) {
    form.querySelectorAll("select[data-lookup-url]").forEach(function (select) { enhance(select, form); });
    var title = form.querySelector('input[name="title"]');
    if (title && document.getElementById("title-suggestions")) title.setAttribute("list", "title-suggestions");
  });
})();
