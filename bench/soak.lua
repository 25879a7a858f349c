-- wrk script for the bench/http soak: a mixed read/write load on the Vitrine API.
-- Environment (set by bench/http):
--   SOAK_TOKEN     editor token (sent as Authorization: Bearer on every request)
--   SOAK_PRODUCTS  file of products, one a line: id TAB title as a JSON string TAB the
--                  product's other import columns as a JSON object (requests pick among them)
--   SOAK_STORES    file with one store id per line
--   SOAK_WRITE_PCT percentage of requests that are writes (default 20)
-- Reads: product by id, product search q=, stores near a point, prices of a product, stock
-- of a product. Writes: PUT /api/v1/stock with a few rows, PUT /api/v1/products/{id} with the
-- product's full row and its title changed (PUT replaces the product). done() prints "soak: requests=N non2xx=M" and the status counts per kind.

local function read_lines(path)
  local lines = {}
  local f = io.open(path, "r")
  if not f then return lines end
  for line in f:lines() do
    if line ~= "" then lines[#lines + 1] = line end
  end
  f:close()
  return lines
end

local token = os.getenv("SOAK_TOKEN") or ""
local products = {}
for _, line in ipairs(read_lines(os.getenv("SOAK_PRODUCTS") or "")) do
  local id, title, rest = line:match("^([^\t]+)\t([^\t]+)\t(.+)$")
  if id then products[#products + 1] = { id = id, title = title, rest = rest } end
end
local stores = read_lines(os.getenv("SOAK_STORES") or "")
local write_pct = tonumber(os.getenv("SOAK_WRITE_PCT") or "20")
local words = { "eau", "bio", "chocolat", "fromage", "lait", "café", "pâtes", "jus", "IPA", "riz" }
local points = { "48.8566,2.3522", "45.7640,4.8357", "43.2965,5.3698", "44.8378,-0.5792",
                 "50.6292,3.0573", "47.2184,-1.5536", "43.6047,1.4442", "48.5734,7.7521" }

-- Per-thread state. wrk runs each thread's script in its own Lua state; setup() keeps the
-- thread objects so done() can collect their counters.
-- The counters are globals (not locals) because thread:get() reads a thread's globals.
local threads = {}
counter = 0
statuses = {}
responses = 0
non2xx = 0

function setup(thread)
  thread:set("thread_index", #threads + 1)
  threads[#threads + 1] = thread
end

function init(args)
  math.randomseed((thread_index or 1) * 7919 + os.time())
end

local function urlencode(s)
  return (s:gsub("[^%w%-_%.~]", function(c) return string.format("%%%02X", string.byte(c)) end))
end

local function pick(list)
  return list[math.random(1, #list)]
end

local function iso_now()
  return os.date("!%Y-%m-%dT%H:%M:%SZ")
end

request = function()
  counter = counter + 1
  local headers = { ["Authorization"] = "Bearer " .. token, ["Accept"] = "application/json" }
  -- The server echoes X-Request-Id, which tells response() the kind of request it answers.
  local function tag(kind)
    headers["X-Request-Id"] = "soak-" .. kind .. "-" .. (thread_index or 0) .. "-" .. counter
  end
  local product = pick(products)
  local id = product.id
  if math.random(1, 100) <= write_pct then
    headers["Content-Type"] = "application/json"
    if math.random(1, 2) == 1 then
      tag("write-stock")
      local rows = {}
      for i = 1, 3 do
        rows[#rows + 1] = string.format(
          '{"product_id":"%s","store_id":"%s","quantity":%d,"measured_at":"%s"}',
          pick(products).id, pick(stores), math.random(0, 500), iso_now())
      end
      return wrk.format("PUT", "/api/v1/stock", headers, "[" .. table.concat(rows, ",") .. "]")
    else
      tag("write-product")
      -- The title as it is, then a space and a digit: the same length from one write to the next.
      local body = '{"title":' .. product.title:sub(1, -2) .. " " .. math.random(0, 9) .. '",' ..
                   product.rest:sub(2)
      return wrk.format("PUT", "/api/v1/products/" .. id, headers, body)
    end
  end
  local r = math.random(1, 100)
  local path
  if r <= 40 then
    tag("read-product")
    path = "/api/v1/products/" .. id
  elseif r <= 55 then
    tag("read-search")
    path = "/api/v1/products?q=" .. urlencode(pick(words)) .. "&limit=20"
  elseif r <= 70 then
    tag("read-near")
    path = "/api/v1/stores?near=" .. pick(points) .. "&radius_km=50&limit=20"
  elseif r <= 85 then
    tag("read-prices")
    path = "/api/v1/prices?product=" .. id .. "&limit=20"
  else
    tag("read-stock")
    path = "/api/v1/stock?product=" .. id .. "&limit=20"
  end
  return wrk.format("GET", path, headers, nil)
end

response = function(status, headers, body)
  responses = responses + 1
  if status < 200 or status > 299 then
    non2xx = non2xx + 1
    local rid = headers["X-Request-Id"] or headers["x-request-id"] or ""
    local kind = rid:match("^soak%-(.-)%-%d+%-%d+$") or "unknown"
    local key = kind .. " " .. status
    statuses[key] = (statuses[key] or 0) + 1
  end
end

-- Called from the main thread after the run; reads every thread's globals.
done = function(summary, latency, requests)
  local total, bad = 0, 0
  local merged = {}
  for _, t in ipairs(threads) do
    total = total + (t:get("responses") or 0)
    bad = bad + (t:get("non2xx") or 0)
    local s = t:get("statuses")
    if s then
      for k, v in pairs(s) do merged[k] = (merged[k] or 0) + v end
    end
  end
  io.write(string.format("soak: requests=%d non2xx=%d socket_errors=%d\n", total, bad,
    summary.errors.connect + summary.errors.read + summary.errors.write +
    summary.errors.timeout))
  for k, v in pairs(merged) do
    io.write(string.format("soak: status %s = %d\n", k, v))
  end
end
