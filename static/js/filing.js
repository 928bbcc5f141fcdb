/* Filing shortcuts, progressive enhancement (every page works without this file):
 * - a known title typed or picked in an entry form fills the whole entry as last filed
 *   (the server renders it: ?like=<entry>&day=<the date chosen so far>);
 * - day buttons beside the date field, one tap instead of a date picker;
 * - the "filed before" list on the week page: a filter box and "show all". */
(function () {
  "use strict";

  function json(id) {
    var node = document.getElementById(id);
    return node ? JSON.parse(node.textContent) : null;
  }

  var form = document.querySelector("form[data-like-url]");
  if (form) {
    var known = json("known-titles");
    var title = form.querySelector('input[name="title"]');
    var date = form.querySelector('input[name="occurred_on"]');
    if (known && title) {
      var fill = function () {
        var id = known[title.value.trim()];
        if (!id) return;
        var url = form.getAttribute("data-like-url") + "?like=" + id;
        if (date && date.value) url += "&day=" + encodeURIComponent(date.value);
        window.location.assign(url);
      };
      title.addEventListener("change", fill);
      // Picking a suggestion fires "input" as a replacement (or, in some browsers, with no type).
      title.addEventListener("input", function (event) {
        if (!event.inputType || event.inputType === "insertReplacementText") fill();
      });
    }
    var days = json("week-days");
    if (days && date) {
      var row = document.createElement("div");
      row.className = "day-chips";
      row.setAttribute("role", "group");
      row.setAttribute("aria-label", form.getAttribute("data-i18n-days") || "Days");
      var mark = function () {
        Array.prototype.forEach.call(row.children, function (b) {
          b.setAttribute("aria-pressed", b.value === date.value ? "true" : "false");
        });
      };
      days.forEach(function (day) {
        var button = document.createElement("button");
        button.type = "button";
        button.className = "btn small";
        button.value = day[0];
        button.textContent = day[1];
        button.addEventListener("click", function () { date.value = day[0]; mark(); });
        row.appendChild(button);
      });
      date.addEventListener("change", mark);
      date.parentNode.insertBefore(row, date.nextSibling);
      mark();
    }
  }

  // Recently used departments as one-tap toggles beside the picker: replacing the remembered
  // department with another recent one is two taps, adding a joint issuer one.
  var quick = json("quick-departments");
  var select = form && form.querySelector('select[name="departments"]');
  if (quick && select) {
    // The departments already picked come first, so each is one tap to take off again.
    var offered = quick.map(function (item) { return String(item[0]); });
    Array.prototype.forEach.call(select.selectedOptions, function (option) {
      if (option.value && offered.indexOf(option.value) < 0) quick.unshift([option.value, option.textContent]);
    });
    var group = document.createElement("div");
    group.className = "quick-picks";
    group.setAttribute("role", "group");
    group.setAttribute("aria-label", form.getAttribute("data-i18n-quick") || "Recently used");
    var picked = function (id) {
      var option = select.querySelector('option[value="' + id + '"]');
      return !!(option && option.selected);
    };
    var refresh = function () {
      Array.prototype.forEach.call(group.children, function (b) {
        b.setAttribute("aria-pressed", picked(b.value) ? "true" : "false");
      });
    };
    quick.forEach(function (item) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "btn small";
      button.value = String(item[0]);
      button.textContent = item[1];
      button.addEventListener("click", function () {
        var on = !picked(button.value);
        var ts = select.tomselect;
        if (ts) {
          // The picker only holds what its searches answered: register this one first.
          if (on && !ts.options[button.value]) {
            ts.addOption({
              value: button.value, text: item[1],
              $option: select.querySelector('option[value="' + button.value + '"]')
            });
          }
          if (on) ts.addItem(button.value); else ts.removeItem(button.value);
        } else {
          var option = select.querySelector('option[value="' + button.value + '"]');
          if (!option) { option = new Option(item[1], button.value); select.appendChild(option); }
          option.selected = on;
          select.dispatchEvent(new Event("change", { bubbles: true }));
        }
        refresh();
      });
      group.appendChild(button);
    });
    select.addEventListener("change", refresh);
    var field = select.closest(".field") || select.parentNode;
    field.appendChild(group);
    refresh();
  }

  var list = document.querySelector("[data-known]");
  if (list) {
    var filter = list.querySelector(".known-filter");
    var items = Array.prototype.slice.call(list.querySelectorAll("li[data-title]"));
    var more = items.filter(function (li) { return li.classList.contains("more"); });
    if (more.length) {
      more.forEach(function (li) { li.hidden = true; });
      var expanded = false;
      var toggle = document.createElement("button");
      toggle.type = "button";
      toggle.className = "btn small quiet";
      toggle.textContent = list.getAttribute("data-i18n-more") + " (" + items.length + ")";
      toggle.addEventListener("click", function () {
        expanded = true;
        more.forEach(function (li) { li.hidden = false; });
        toggle.remove();
      });
      list.appendChild(toggle);
      if (filter) {
        filter.hidden = false;
        filter.addEventListener("input", function () {
          var q = filter.value.trim().toLowerCase();
          items.forEach(function (li) {
            var hit = li.getAttribute("data-title").toLowerCase().indexOf(q) >= 0;
            li.hidden = q ? !hit : !expanded && more.indexOf(li) >= 0;
          });
        });
      }
    }
  }
})();
