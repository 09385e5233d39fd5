#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Drives webd's pages in headless Chromium, as an admin would.

Usage: browser.py BASE_URL CERT_PEM PASSWORD SHOT_DIR
Trusts only the certificate CERT_PEM (by its key's SPKI pin), resolves
no name but 127.0.0.1, and reads back what was applied with busctl on
the bus in $DBUS_SYSTEM_BUS_ADDRESS.  Exits non-zero on the first
check that fails, saying which.
"""
import base64
import hashlib
import os
import subprocess
import sys
import tempfile
import time

from selenium import webdriver
from selenium.common.exceptions import TimeoutException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

BASE, CERT, PASSWORD, SHOTS = sys.argv[1:5]
SYSTEM = '/admin/advanced/voice/system'
EXT1 = '/admin/advanced/voice/ext1'
SERVICES = {'Sip': 'org.deskphone.Sip', 'Net': 'org.deskphone.Net'}


def fail(msg):
    sys.exit('FAIL: ' + msg)


def check(cond, msg):
    if not cond:
        fail(msg)


def log(msg):
    print('# ' + msg, flush=True)


def spki_pin(path):
    """base64(sha256(SubjectPublicKeyInfo)), as Chromium wants it."""
    pub = subprocess.run(['openssl', 'x509', '-in', path, '-noout',
                          '-pubkey'], check=True, capture_output=True).stdout
    der = subprocess.run(['openssl', 'pkey', '-pubin', '-outform', 'der'],
                         input=pub, check=True, capture_output=True).stdout
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


def param(part, name):
    out = subprocess.run(
        ['busctl', '--system', 'call', SERVICES[part],
         '/org/deskphone/' + part, 'org.deskphone.Parameters1', 'Get', 's',
         name], check=True, capture_output=True, text=True).stdout.strip()
    check(out.startswith('s "') and out.endswith('"'), 'Get %s: %s' %
          (name, out))
    return out[3:-1]


def browser(javascript=True):
    opts = webdriver.ChromeOptions()
    opts.binary_location = '/usr/bin/chromium'
    for a in ['--headless=new', '--no-sandbox', '--disable-gpu',
              '--disable-dev-shm-usage', '--no-first-run',
              '--user-data-dir=' + tempfile.mkdtemp(prefix='chromium-'),
              '--disable-background-networking',
              '--disable-component-update', '--disable-sync',
              '--window-size=1100,1400',
              '--host-resolver-rules=MAP * ~NOTFOUND , EXCLUDE 127.0.0.1',
              # trust webd's own certificate, and only that key
              '--ignore-certificate-errors-spki-list=' + spki_pin(CERT)]:
        opts.add_argument(a)
    if not javascript:
        opts.add_experimental_option('prefs', {
            'profile.managed_default_content_settings.javascript': 2})
    return webdriver.Chrome(
        service=Service(executable_path='/usr/bin/chromedriver'),
        options=opts)


class Run:
    def __init__(self, drv):
        self.drv = drv
        self.n = 0

    def shot(self, name):
        self.n += 1
        path = os.path.join(SHOTS, '%02d-%s.png' % (self.n, name))
        self.drv.save_screenshot(path)
        log('screenshot ' + path)

    def path(self):
        return self.drv.current_url[len(BASE):]

    def wait_path(self, want):
        try:
            WebDriverWait(self.drv, 10).until(
                lambda d: d.current_url.split('?')[0] == BASE + want)
        except TimeoutException:
            fail('expected %s, at %s' % (want, self.drv.current_url))

    def wait_text(self, text):
        try:
            WebDriverWait(self.drv, 10).until(
                lambda d: text in d.page_source)
        except TimeoutException:
            self.shot('timeout')
            fail('"%s" never appeared at %s' % (text, self.drv.current_url))

    def el(self, ident):
        return self.drv.find_element(By.ID, ident)

    def value(self, name):
        return self.el('f-' + name).get_attribute('value')

    def set(self, name, text):
        e = self.el('f-' + name)
        if e.tag_name == 'select':
            Select(e).select_by_visible_text(text)
        else:
            e.clear()
            e.send_keys(text)

    def click_link(self, text, within=None):
        scope = self.drv.find_element(By.CSS_SELECTOR, within) \
            if within else self.drv
        scope.find_element(By.LINK_TEXT, text).click()

    def submit(self):
        self.drv.find_element(By.XPATH,
                              '//button[text()="Submit All Changes"]').click()

    def error_of(self, name):
        return self.el('e-' + name).text

    def visible(self, name):
        return self.el('f-' + name).is_displayed()

    def active_id(self):
        return self.drv.switch_to.active_element.get_attribute('id')


def login_by_keyboard(r):
    r.drv.get(BASE + '/')
    r.wait_path('/login')
    r.shot('login')
    # the password field has the focus; Enter submits the form
    check(r.active_id() == 'password', 'password not focused on /login')
    r.drv.switch_to.active_element.send_keys(PASSWORD + Keys.ENTER)
    r.wait_path('/info')
    check('Logged in as admin' in r.drv.page_source, 'not logged in')
    r.shot('info-basic')


def navigate_by_clicks(r):
    """Admin Login > advanced > Voice > System, by clicks."""
    r.click_link('advanced', 'nav[aria-label="Pages"]')
    r.wait_path('/admin/advanced/info')
    check('Registration State' in r.drv.page_source, 'Info lacks sipd')
    r.shot('info-advanced')
    r.click_link('Voice', 'nav[aria-label="Pages"]')
    r.wait_path(SYSTEM)
    r.click_link('System', 'nav[aria-label="Pages"]')
    r.wait_path(SYSTEM)
    crumbs = [li.text for li in r.drv.find_elements(
        By.CSS_SELECTOR, 'nav[aria-label="Breadcrumb"] li')]
    check(crumbs == ['Admin Login', 'advanced', 'Voice', 'System'],
          'breadcrumb is %s' % crumbs)
    # and the same as a URL, and back up by the breadcrumb
    r.drv.get(BASE + SYSTEM)
    r.wait_path(SYSTEM)
    r.click_link('Admin Login', 'nav[aria-label="Breadcrumb"]')
    r.wait_path('/admin/basic/info')
    r.drv.get(BASE + SYSTEM)


def system_page(r):
    check(r.value('Connection_Type') == 'DHCP', 'not DHCP at first')
    for f in ('Static_IP', 'NetMask', 'Gateway', 'Primary_DNS'):
        check(not r.visible(f), f + ' shown in DHCP mode')
    r.shot('system-dhcp')
    r.set('Connection_Type', 'Static IP')
    for f in ('Static_IP', 'NetMask', 'Gateway', 'Primary_DNS'):
        check(r.visible(f), f + ' hidden in Static IP mode')
    r.set('Static_IP', '10.77.0.2')
    r.set('NetMask', '255.255.255.0')
    r.set('Gateway', '10.77.0.1')
    r.set('Primary_DNS', '10.77.0.53')
    r.set('Restricted_Access_Domains', 'example.com')
    r.shot('system-static-edited')
    r.submit()
    r.wait_text('Changes saved')
    r.wait_path(SYSTEM)
    for name, want in (('Connection_Type', 'Static IP'),
                       ('Static_IP', '10.77.0.2'),
                       ('NetMask', '255.255.255.0'),
                       ('Gateway', '10.77.0.1'),
                       ('Primary_DNS', '10.77.0.53')):
        check(param('Net', name) == want, 'netd %s is %s' %
              (name, param('Net', name)))
    check(param('Sip', 'Restricted_Access_Domains') == 'example.com',
          'sipd Restricted_Access_Domains not set')
    r.drv.refresh()
    check(r.value('Static_IP') == '10.77.0.2', 'Static_IP after reload')
    check(r.value('Connection_Type') == 'Static IP', 'type after reload')
    check(r.visible('Static_IP'), 'Static_IP hidden after reload')
    r.shot('system-saved')
    # a wrong value in a row the switch to DHCP hides: the row shows
    # with its reason, and the switch is not applied either
    r.set('Static_IP', '10.77.0.999')
    r.set('Connection_Type', 'DHCP')
    check(not r.visible('Static_IP'), 'Static_IP shown for DHCP')
    r.submit()
    r.wait_text('Nothing was changed')
    check(r.visible('Static_IP'), 'the wrong field is hidden')
    check(r.error_of('Static_IP').startswith('Static IP:'),
          'Static_IP error: %r' % r.error_of('Static_IP'))
    check(r.value('Connection_Type') == 'DHCP', 'type edit not kept')
    check(param('Net', 'Connection_Type') == 'Static IP',
          'a refused submit switched to DHCP')
    r.shot('system-invalid')
    r.drv.get(BASE + SYSTEM)


def ext1_page(r):
    r.click_link('Ext 1', 'nav[aria-label="Pages"]')
    r.wait_path(EXT1)
    r.set('Display_Name_1_', 'Front Desk')
    r.set('User_ID_1_', '1001')
    r.set('Proxy_1_', '127.0.0.1:25999')
    r.set('Password_1_', 'pw-1001')
    r.set('Auth_INVITE_1_', 'Yes')
    r.submit()
    r.wait_text('Changes saved')
    r.wait_path(EXT1)
    for name, want in (('Display_Name_1_', 'Front Desk'),
                       ('User_ID_1_', '1001'),
                       ('Proxy_1_', '127.0.0.1:25999'),
                       ('Auth_INVITE_1_', 'Yes')):
        check(param('Sip', name) == want, 'sipd %s is %s' %
              (name, param('Sip', name)))
    r.drv.refresh()
    check(r.value('Display_Name_1_') == 'Front Desk', 'name after reload')
    check(r.value('Password_1_') == '', 'password sent to the browser')
    check('pw-1001' not in r.drv.page_source, 'password in the page')
    r.shot('ext1-saved')


def undo(r):
    old = r.drv.find_element(By.TAG_NAME, 'html')
    r.drv.find_element(By.ID, 'undo').click()
    WebDriverWait(r.drv, 10).until(EC.staleness_of(old))
    r.wait_path(EXT1)


def invalid_and_undo(r):
    # one wrong field: nothing applied, the reason next to it, edits kept
    r.set('Display_Name_1_', 'Changed Name')
    r.set('Proxy_1_', 'bad host!')
    r.set('Register_Expires_1_', '5')
    r.submit()
    r.wait_text('Nothing was changed')
    check(r.error_of('Proxy_1_').startswith('Proxy:'),
          'Proxy error: %r' % r.error_of('Proxy_1_'))
    check(r.error_of('Register_Expires_1_') != '', 'no Expires error')
    check(r.error_of('Display_Name_1_') == '', 'error on a good field')
    check(r.value('Display_Name_1_') == 'Changed Name', 'edit not kept')
    check(r.active_id() == 'f-Proxy_1_', 'first error not focused: %s' %
          r.active_id())
    check(param('Sip', 'Display_Name_1_') == 'Front Desk',
          'a refused submit applied Display_Name_1_')
    check(param('Sip', 'Register_Expires_1_') != '5', 'Expires applied')
    r.shot('ext1-invalid')
    # Undo All Changes: back to the last applied values
    undo(r)
    check(r.value('Display_Name_1_') == 'Front Desk', 'undo: name')
    check(r.value('Proxy_1_') == '127.0.0.1:25999', 'undo: proxy')
    check(r.error_of('Proxy_1_') == '', 'undo kept the error')
    # also for edits never submitted
    r.set('User_ID_1_', '9999')
    undo(r)
    check(r.value('User_ID_1_') == '1001', 'undo of an unsent edit')
    check(param('Sip', 'User_ID_1_') == '1001', 'undo changed sipd')


def tab_to(r, ident):
    seen = []
    for _ in range(80):
        r.drv.switch_to.active_element.send_keys(Keys.TAB)
        seen.append(r.active_id())
        if seen[-1] == ident:
            return seen
    fail('Tab never reached %s: %s' % (ident, seen))


def keyboard_only(r):
    """Tab to a field, type, Enter: saved, with no pointer at all."""
    r.drv.get(BASE + EXT1)
    body = r.drv.find_element(By.TAG_NAME, 'body')
    body.send_keys(Keys.TAB)
    check(r.active_id() == '' and
          r.drv.switch_to.active_element.text == 'Skip to content',
          'first Tab is not the skip link')
    r.drv.switch_to.active_element.send_keys(Keys.ENTER)
    seen = tab_to(r, 'f-Auth_INVITE_1_')
    check(seen[0].startswith('f-'), 'skip link did not skip the '
          'navigation: %s' % seen[:3])
    # a select by keys: typing its first letter picks "No"
    r.drv.switch_to.active_element.send_keys('N')
    tab_to(r, 'f-Display_Name_1_')
    e = r.drv.switch_to.active_element
    e.send_keys(Keys.CONTROL, 'a')
    e.send_keys('Keyboard Desk')
    # Enter in a text field submits the form
    e.send_keys(Keys.ENTER)
    r.wait_text('Changes saved')
    check(param('Sip', 'Display_Name_1_') == 'Keyboard Desk',
          'keyboard edit not applied')
    check(param('Sip', 'Auth_INVITE_1_') == 'No', 'keyboard select')
    r.shot('ext1-keyboard')


def other_pages(r):
    for path, name in (('/admin/advanced/voice/sip', 'sip'),
                       ('/admin/advanced/voice/user', 'user'),
                       ('/admin/basic/voice/ext1', 'ext1-basic'),
                       ('/admin/basic/voice/system', 'system-basic')):
        r.drv.get(BASE + path)
        r.wait_path(path)
        check(r.drv.find_element(By.TAG_NAME, 'h1').text != '',
              path + ' has no heading')
        r.shot(name)


def open_to_user(r):
    """The admin opens two settings to the user and sets a password."""
    r.drv.get(BASE + '/admin/advanced/voice/user')
    r.el('f-User_Password').send_keys('user pw 1')
    Select(r.el('a-Display_Name_1_')).select_by_visible_text('read-write')
    Select(r.el('a-Proxy_1_')).select_by_visible_text('read-only')
    r.submit()
    r.wait_text('Changes saved')
    check('has a password and can log in' in r.drv.page_source,
          'user account not enabled')


def user_view():
    drv = browser()
    try:
        r = Run(drv)
        r.n = 60
        drv.get(BASE + '/login')
        Select(r.el('account')).select_by_visible_text('user')
        r.el('password').send_keys('user pw 1' + Keys.ENTER)
        r.wait_path('/info')
        check('Logged in as user' in drv.page_source, 'not the user')
        check('voice/user' not in drv.page_source, 'User page offered')
        r.shot('user-info')
        r.click_link('Voice', 'nav[aria-label="Pages"]')
        r.wait_path('/user/basic/voice/system')
        r.click_link('Ext 1', 'nav[aria-label="Pages"]')
        r.wait_path('/user/basic/voice/ext1')
        check(r.el('f-Display_Name_1_').is_enabled(), 'name not editable')
        check(not r.el('f-Proxy_1_').is_enabled(), 'proxy editable')
        check(r.value('Proxy_1_') == '127.0.0.1:25999', 'proxy value')
        check(not drv.find_elements(By.ID, 'f-User_ID_1_'),
              'hidden User ID shown to the user')
        r.set('Display_Name_1_', 'User Desk')
        r.submit()
        r.wait_text('Changes saved')
        check(param('Sip', 'Display_Name_1_') == 'User Desk',
              'the user\'s change not applied')
        r.shot('user-ext1')
        drv.get(BASE + SYSTEM)
        check(drv.find_element(By.TAG_NAME, 'h1').text == 'Forbidden',
              'an admin page served to the user')
        r.shot('user-admin-page')
    finally:
        drv.quit()


def without_javascript():
    drv = browser(javascript=False)
    try:
        r = Run(drv)
        r.n = 50
        drv.get(BASE + '/login')
        r.el('password').send_keys(PASSWORD + Keys.ENTER)
        r.wait_path('/info')
        drv.get(BASE + SYSTEM)
        r.set('Connection_Type', 'DHCP')
        # no script: every field shows, whatever the type
        for f in ('Static_IP', 'NetMask', 'Gateway', 'Primary_DNS'):
            check(r.visible(f), f + ' hidden without JavaScript')
        r.shot('system-nojs')
    finally:
        drv.quit()


def main():
    os.makedirs(SHOTS, exist_ok=True)
    start = time.monotonic()
    drv = browser()
    try:
        r = Run(drv)
        login_by_keyboard(r)
        navigate_by_clicks(r)
        system_page(r)
        ext1_page(r)
        invalid_and_undo(r)
        keyboard_only(r)
        other_pages(r)
        open_to_user(r)
    finally:
        drv.quit()
    without_javascript()
    user_view()
    log('browser checks took %.1f s' % (time.monotonic() - start))
    print('OK')


main()
