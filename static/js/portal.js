/* Progressive enhancement for the filing pages; every page works without this file.
 * Searchable pickers: a <select data-lookup-url> inside a form with data-pickers becomes a Tom Select
 * (static/vendor/tom-select, loaded by the entry form) backed by the portal's /lookup/ endpoint, which
 * lists the cadre's recently used items first. The original select stays in the form (hidden) and
 * carries the value, so submitting is unchanged; without Tom Select it stays a plain select. */
(function () {
  "use strict";

  function text(form, key, fallback) {
    return form.getAttribute("data-i18n-" + key) || fallback;
  }

  function escapeHtml(value) {
    return String(value).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  function enhance(select, form) {
    var url = select.getAttribute("data-lookup-url");
    var describedBy = select.getAttribute("aria-describedby");
    var settled = null; // the text whose lookup answer the dropdown shows
    var pendingEnter = null; // Enter pressed for this text before its answer came in
    var removeLabel = text(form, "remove", "Remove");

    var ts = new window.TomSelect(select, {
      plugins: [],
      valueField: "value",
      labelField: "text",
      searchField: ["text", "code"],
      sortField: [{ field: "rank", direction: "asc" }],
      optgroups: [{ value: "recent", label: text(form, "recent", "Recently used") }],
      optgroupField: "group",
      maxOptions: 50,
      preload: "focus",
      openOnFocus: true,
      closeAfterSelect: true,
      refreshThrottle: 50,
      loadThrottle: 150,
      placeholder: text(form, "search", "Search"),
      // The server already matched name or code and ranked recent items first: show its answer
      // for the current text as it is, nothing from an earlier text.
      shouldLoad: function () { return true; },
      score: function () { return function () { return 1; }; },
      load: function (query, callback) {
        fetch(url + "?q=" + encodeURIComponent(query), {
          credentials: "same-origin",
          headers: { Accept: "application/json" }
        })
          .then(function (response) { return response.ok ? response.json() : { results: [] }; })
          .then(function (data) {
            if (query !== ts.inputValue()) {
              // The text changed while this answer travelled: drop it, and ask again if it comes back.
              delete ts.loadedSearches[query];
              callback();
              return;
            }
            var rows = (data.results || []).map(function (item, i) {
              return {
                value: String(item.id), text: item.name, code: item.code, rank: i,
                group: item.recent ? "recent" : "", forQuery: query,
                // the server-rendered <option> (ids are integers), so choosing it does not add a copy
                $option: select.querySelector('option[value="' + String(item.id) + '"]')
              };
            });
            ts.clearOptions(); // keeps the chosen items
            rows.forEach(function (row) { if (ts.options[row.value]) ts.updateOption(row.value, row); });
            settled = query;
            callback(rows);
            if (pendingEnter === query) {
              pendingEnter = null;
              if (ts.activeOption && ts.canSelect(ts.activeOption)) ts.onOptionSelect({ type: "keydown" }, ts.activeOption);
            }
          })
          .catch(function () { callback(); /* offline: the chips still work, the form still submits */ });
      },
      render: {
        option: function (data, escape) {
          var code = data.code ? ' <span class="option-code" aria-hidden="true">' + escape(data.code) + "</span>" : "";
          return '<div><span class="option-name">' + escape(data.text) + "</span>" + code + "</div>";
        },
        item: function (data, escape) {
          return '<div class="chip"><span>' + escape(data.text) + '</span><button type="button" class="remove" tabindex="-1" aria-label="' +
            escapeHtml(removeLabel + " " + data.text) + '">×</button></div>';
        },
        optgroup: function (data) {
          var group = document.createElement("div");
          group.className = "optgroup";
          group.setAttribute("role", "group");
          group.setAttribute("aria-label", data.group.label);
          group.appendChild(data.options);
          return group;
        },
        optgroup_header: function (data, escape) {
          return '<div class="optgroup-header" aria-hidden="true">' + escape(data.label) + "</div>";
        },
        no_results: function (data) {
          // Nothing recent (or all of it chosen) is no news: say so only for a typed text.
          return data.input ? '<div class="no-results">' + escapeHtml(text(form, "none", "Nothing matches")) + "</div>" : null;
        },
        loading: function () { return '<div class="loading-note">' + escapeHtml(text(form, "loading", "Searching…")) + "</div>"; }
      }
    });

    // Only what the lookup answers is offered (recent items first), not the whole server-rendered list.
    ts.clearOptions();
    var search = ts.search;
    ts.search = function (query) {
      var result = search.call(ts, query);
      result.items = result.items.filter(function (item) {
        var option = ts.options[item.id];
        return option && option.forQuery === query;
      });
      return result;
    };

    // Enter chooses the match for the typed text: until the lookup for exactly this text has
    // answered, the highlighted option belongs to an earlier text (often a recent item), so Enter
    // waits for the answer instead (and never submits the half-filled form).
    var onKeyDown = ts.onKeyDown;
    ts.onKeyDown = function (event) {
      if (event.key === "Enter" && !event.isComposing) {
        var query = ts.inputValue();
        if (query && settled !== query) {
          event.preventDefault();
          pendingEnter = query;
          return;
        }
      }
      return onKeyDown.call(ts, event);
    };
    ts.on("type", function (query) { if (pendingEnter !== null && pendingEnter !== query) pendingEnter = null; });

    // The chips' remove buttons (Backspace and Delete remove them from the keyboard too).
    ts.wrapper.addEventListener("mousedown", function (event) {
      if (event.target.closest(".remove")) { event.preventDefault(); event.stopPropagation(); }
    }, true);
    ts.wrapper.addEventListener("click", function (event) {
      var button = event.target.closest(".remove");
      if (!button) return;
      event.preventDefault();
      event.stopPropagation();
      ts.removeItem(button.closest("[data-value]").getAttribute("data-value"));
      ts.refreshOptions(false);
      ts.inputState();
    }, true);

    if (describedBy) ts.control_input.setAttribute("aria-describedby", describedBy);
    // The hidden select is not a second control for assistive technology (it keeps tabindex -1).
    select.setAttribute("aria-hidden", "true");
  }

  document.querySelectorAll("form[data-pickers]").forEach(function (form) {
    if (window.TomSelect && window.fetch) {
      form.querySelectorAll("select[data-lookup-url]").forEach(function (select) { enhance(select, form); });
    }
    var title = form.querySelector('input[name="title"]');
    if (title && document.getElementById("title-suggestions")) title.setAttribute("list", "title-suggestions");
  });
})();
